/** The console's style sheet, served as GET /ops/console.css. */
export const CONSOLE_STYLES = String.raw`:root {
  color-scheme: light dark;
  --ok: #1a7f37;
  --error: #cf222e;
  --warn: #9a6700;
  --muted: #6e7781;
  --line: #d0d7de;
  font-family:
    system-ui,
    -apple-system,
    'Segoe UI',
    sans-serif;
  font-size: 14px;
}
body {
  margin: 0 auto;
  max-width: 1400px;
  padding: 0 1rem 2rem;
}
header {
  display: flex;
  align-items: baseline;
  gap: 1rem;
  border-bottom: 1px solid var(--line);
}
header h1 {
  font-size: 1.3rem;
  margin: 0.8rem 0;
}
#refreshed,
#whoami,
.hint,
.empty {
  color: var(--muted);
}
section {
  margin-top: 1.2rem;
}
h2 {
  font-size: 1.1rem;
  margin-bottom: 0.3rem;
}
h3 {
  font-size: 1rem;
  margin-bottom: 0.3rem;
}
table {
  border-collapse: collapse;
  width: 100%;
}
th,
td {
  border-bottom: 1px solid var(--line);
  padding: 0.3rem 0.5rem;
  text-align: left;
  vertical-align: top;
}
td.num {
  font-variant-numeric: tabular-nums;
}
td.error-text {
  color: var(--error);
  max-width: 32rem;
  overflow-wrap: anywhere;
  font-family: ui-monospace, monospace;
  font-size: 0.85rem;
}
td.actions {
  white-space: nowrap;
}
tr.status-parked td.state,
tr.status-due td.state {
  color: var(--error);
  font-weight: bold;
}
tr.status-catching-up td.state,
tr.status-rebuilding td.state,
tr.status-pending td.state {
  color: var(--warn);
}
tr.status-running td.state {
  color: var(--ok);
}
button {
  margin-right: 0.3rem;
}
textarea {
  width: 100%;
  font-family: ui-monospace, monospace;
}
code,
pre {
  font-family: ui-monospace, monospace;
}
pre {
  border: 1px solid var(--line);
  padding: 0.5rem;
  overflow: auto;
}
.status {
  min-height: 1.4rem;
  margin: 0.6rem 0;
  padding: 0.3rem 0.5rem;
  border-left: 4px solid var(--muted);
}
.status:empty {
  visibility: hidden;
}
.status.ok {
  border-color: var(--ok);
}
.status.error {
  border-color: var(--error);
  color: var(--error);
}
p.error {
  color: var(--error);
}
.toolbar {
  display: flex;
  gap: 1rem;
  align-items: center;
}
`;
