// The panel's HTML shell: a strict Content-Security-Policy (nothing but our own built assets and one
// nonce'd script), no inline code, no remote anything. What the panel's UI kit needs beyond that
// (a nonce for styles) it declares itself, in webview/components/toolkitPage.ts. Pure so the policy
// is unit-tested.
import { randomBytes } from 'node:crypto';
import { PAGE_NEEDS, type PageNeeds } from '../../webview/components/toolkitPage';

export interface PanelHtmlInput {
  /** webview.cspSource */
  cspSource: string;
  /** asWebviewUri(dist/webview.js) as a string */
  scriptUri: string;
  /** asWebviewUri(dist/webview.css) as a string */
  styleUri: string;
  nonce: string;
  /** What the panel's scripts need from the page; PAGE_NEEDS unless a test says otherwise. */
  needs?: PageNeeds;
}

/** 128 random bits, base64 (CSP nonces must be unguessable and fresh per page). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string, needs: PageNeeds = PAGE_NEEDS): string {
  return [
    "default-src 'none'",
    // Only a <style> carrying the nonce (one the page's scripts insert themselves) may join our
    // stylesheet, and only when they say they need that; no other inline style is allowed.
    needs.styleNonce ? `style-src ${cspSource} 'nonce-${nonce}'` : `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function panelHtml(input: PanelHtmlInput): string {
  const needs = input.needs ?? PAGE_NEEDS;
  const csp = contentSecurityPolicy(input.cspSource, input.nonce, needs);
  const nonceMeta = needs.styleNonce ? `\n<meta property="csp-nonce" content="${attr(input.nonce)}">` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">${nonceMeta}
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(input.styleUri)}">
<title>Activation Inspector</title>
</head>
<body>
<div id="app"></div>
<script nonce="${attr(input.nonce)}" src="${attr(input.scriptUri)}"></script>
</body>
</html>`;
}
