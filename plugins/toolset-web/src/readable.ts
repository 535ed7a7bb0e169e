import { Readability } from '@mozilla/readability';
import { convert } from 'html-to-text';
import { parseHTML } from 'linkedom';

/** What this module uses of the libraries: their own types lean on the DOM library, which plugins do not load. */
interface PageDocument {
  readonly title: string;
}
interface Article {
  readonly title?: string | null | undefined;
  readonly content?: string | null | undefined;
}
const parsePage = parseHTML as unknown as (html: string) => { document: PageDocument };
const Reader = Readability as unknown as new (
  document: PageDocument,
  options: { charThreshold: number },
) => { parse(): Article | null };
const toText = convert as unknown as (html: string, options: object) => string;

/** Page text as the model reads it: headings, paragraphs, lists and links kept, scripts and images dropped. */
const TEXT_OPTIONS = {
  wordwrap: false as const,
  selectors: [
    {
      selector: 'a',
      options: {
        ignoreHref: false,
        hideLinkHrefIfSameAsText: true,
        linkBrackets: ['(', ')'] as [string, string],
      },
    },
    { selector: 'img', format: 'skip' },
    { selector: 'nav', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'table', format: 'dataTable' },
  ],
};

export interface ReadableText {
  readonly title: string | undefined;
  readonly text: string;
  /** readability: the main article was found; page: the whole page's text (no article found). */
  readonly extraction: 'readability' | 'page';
}

/**
 * The readable text of an HTML page: Mozilla Readability (the Firefox reader view) picks the main content, and
 * html-to-text turns it into plain text; a page without an article gives its whole body's text.
 */
export function readableText(html: string): ReadableText {
  const { document } = parsePage(html);
  const title = document.title.trim() || undefined;
  let article: Article | null;
  try {
    // Readability changes the document it is given; the fallback below converts the page's HTML again.
    article = new Reader(document, { charThreshold: 200 }).parse();
  } catch {
    article = null;
  }
  const content = article?.content ?? '';
  if (content.trim() !== '') {
    return {
      title: article?.title?.trim() || title,
      text: toText(content, { ...TEXT_OPTIONS, baseElements: { selectors: ['body'] } }).trim(),
      extraction: 'readability',
    };
  }
  return { title, text: toText(html, TEXT_OPTIONS).trim(), extraction: 'page' };
}
