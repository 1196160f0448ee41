// What the panel's UI kit (toolkit.ts) needs from the HTML page that hosts the panel, said without
// naming the kit, for the page's author (src/inspector/html.ts). No imports: the extension host
// bundles this file, never the kit.

export interface PageNeeds {
  /**
   * The kit inserts a <style> element of its own (FAST's :focus-visible probe) and reads the nonce
   * that lets it load from <meta property="csp-nonce">. Without this, style-src stays to our own
   * stylesheet: no inline style at all.
   */
  readonly styleNonce: boolean;
}

export const PAGE_NEEDS: PageNeeds = Object.freeze({ styleNonce: true });
