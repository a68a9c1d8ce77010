/** The docs page's stylesheet: inline, no fonts or images from anywhere. */
export const DOCS_STYLE = `
:root { color-scheme: light dark; --line: #8884; --soft: #8881; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; display: grid;
  grid-template-columns: minmax(14rem, 18rem) 1fr; }
nav { position: sticky; top: 0; height: 100vh; overflow: auto; padding: 1rem; border-right: 1px solid var(--line);
  font-size: 13px; }
nav ul { list-style: none; padding-left: 0; margin: 0 0 1rem; }
nav li { margin: 2px 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
nav a { text-decoration: none; color: inherit; }
nav h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; margin: 1rem 0 .3rem; }
main { padding: 1rem 2rem 4rem; max-width: 72rem; min-width: 0; }
h1 small { font-weight: normal; font-size: 60%; opacity: .7; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: .3rem; margin-top: 2.5rem; }
article { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem 1rem; margin: 1rem 0; }
article h3 { margin: .5rem 0; font-size: 17px; }
h4 { margin: 1rem 0 .3rem; font-size: 14px; text-transform: uppercase; letter-spacing: .04em; opacity: .8; }
.method { display: inline-block; min-width: 4.2em; text-align: center; border-radius: 4px; padding: 0 .4em;
  font: bold 12px/1.8 ui-monospace, monospace; color: #fff; background: #6b7280; vertical-align: middle; }
.method-get { background: #2563eb; } .method-post { background: #16a34a; }
.method-put { background: #b45309; } .method-delete { background: #dc2626; }
.summary { font-weight: 600; margin: .2rem 0; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 13px; }
code { background: var(--soft); padding: 0 .25em; border-radius: 3px; }
pre { background: var(--soft); padding: .6rem; overflow: auto; max-height: 30rem; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--soft); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .5rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.status { font: bold 14px ui-monospace, monospace; }
.response { border-top: 1px dashed var(--line); padding-top: .3rem; margin-top: .5rem; }
.type { margin: .3rem 0; }
details summary { cursor: pointer; opacity: .8; font-size: 13px; }
a { color: var(--accent); }
`
