/**
 * The console's page, served as GET /ops: a shell with no data and no inline script (the CSP
 * allows scripts from this origin only); console.js fills it from the /admin/* API.
 */
export const CONSOLE_PAGE = String.raw`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Ledgerline operations</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/ops/console.css" />
    <script src="/ops/console.js" defer></script>
  </head>
  <body>
    <header>
      <h1>Ledgerline operations</h1>
      <span id="refreshed"></span>
    </header>
    <noscript><p>This console needs JavaScript.</p></noscript>
    <p id="status" class="status info" role="status" aria-live="polite"></p>

    <section id="sign-in" hidden>
      <h2>Bearer token</h2>
      <form id="token-form">
        <label for="token"
          >An access token with the admin role (and auditor, for transfer details):</label
        >
        <textarea id="token" rows="4" autocomplete="off" spellcheck="false"></textarea>
        <button type="submit">Use this token</button>
      </form>
      <p class="hint">
        With the local development issuer, from the repository folder:
        <code>npm run --silent token -- --role admin --role auditor</code>. The token stays in this
        browser tab only (sessionStorage) and is sent to this server alone.
      </p>
    </section>

    <main id="console" hidden>
      <div class="toolbar">
        <span id="whoami"></span>
        <button id="sign-out" type="button">Forget token</button>
      </div>

      <section id="projections">
        <h2>Projections</h2>
        <div id="projections-body"></div>
      </section>

      <section id="outbox">
        <h2>Outbox</h2>
        <p id="outbox-summary"></p>
        <div id="dead-letters-body"></div>
      </section>

      <section id="process-managers">
        <h2>Process managers</h2>
        <p id="process-summary"></p>
        <div id="commands-body"></div>
        <h3>Deadlines not fired yet</h3>
        <div id="deadlines-body"></div>
      </section>

      <section id="stuck-transfers">
        <h2>Transfers pending too long</h2>
        <label>
          Pending for at least
          <input id="stuck-after" type="number" min="0" step="1" value="60" /> seconds
        </label>
        <div id="stuck-body"></div>
        <div id="transfer-details" hidden>
          <h3 id="transfer-details-title"></h3>
          <button id="close-details" type="button">Close</button>
          <pre id="transfer-details-body"></pre>
        </div>
      </section>
    </main>
  </body>
</html>
`;
