// Entry of the inspector panel bundle. esbuild writes dist/webview.js and, from the css import,
// dist/webview.css; the webview HTML (src/inspector/) loads both: <div id="app">, the stylesheet via
// cspSource, and this script with the CSP nonce.
import './styles.css';
import { connectHost } from './host';
import { Panel } from './panel';

new Panel(document.getElementById('app') ?? document.body, connectHost()).start();
