// Default mode blocks the page's own image requests for listed URLs, CSS ones included (the blocking rules cannot
// tell an <img> from a background). So listed images referenced from style sheets and style attributes are
// rewritten to blob: URLs of the same bytes too, or the page would lose them.
const URL_IN_CSS = /url\(\s*(['"]?)([^'")]+)\1\s*\)/g;

export type BlobFor = (url: string) => Promise<string | null>;
export type Listed = (raw: string, base: string) => string | null;

/** Rewrites url(...) values in one declaration block; returns once every listed URL in it has been replaced. */
async function rewriteDeclarations(style: CSSStyleDeclaration, base: string, listed: Listed, blobFor: BlobFor): Promise<void> {
  for (let i = 0; i < style.length; i++) {
    const prop = style[i];
    const value = style.getPropertyValue(prop);
    if (!value.includes('url(')) continue;
    const swaps = new Map<string, string>();
    for (const m of value.matchAll(URL_IN_CSS)) {
      const url = listed(m[2], base);
      const blob = url ? await blobFor(url) : null;
      if (blob) swaps.set(m[0], `url("${blob}")`);
    }
    if (swaps.size === 0) continue;
    let next = value;
    for (const [from, to] of swaps) next = next.split(from).join(to);
    style.setProperty(prop, next, style.getPropertyPriority(prop));
  }
}

function rulesOf(sheet: CSSStyleSheet): CSSRuleList | null {
  try {
    return sheet.cssRules; // throws for a cross-origin sheet, whose images are not this site's anyway
  } catch {
    return null;
  }
}

async function rewriteRules(rules: CSSRuleList, base: string, listed: Listed, blobFor: BlobFor): Promise<void> {
  for (const rule of Array.from(rules)) {
    if (rule instanceof CSSStyleRule) await rewriteDeclarations(rule.style, base, listed, blobFor);
    if ('cssRules' in rule && (rule as CSSGroupingRule).cssRules) await rewriteRules((rule as CSSGroupingRule).cssRules, base, listed, blobFor);
  }
}

const done = new WeakSet<CSSStyleSheet>();

/** Every same-origin style sheet of the document not handled yet, and every element's style attribute. */
export async function rewriteCssImages(listed: Listed, blobFor: BlobFor): Promise<void> {
  for (const sheet of Array.from(document.styleSheets)) {
    if (done.has(sheet)) continue;
    const rules = rulesOf(sheet);
    if (!rules) continue;
    done.add(sheet);
    await rewriteRules(rules, sheet.href ?? document.baseURI, listed, blobFor);
  }
  for (const el of Array.from(document.querySelectorAll<HTMLElement>('[style*="url("]')))
    await rewriteDeclarations(el.style, document.baseURI, listed, blobFor);
}
