import { definePlugin, defineTool } from '@roku/plugin-api';

export const echo = defineTool({
  name: 'echo',
  handler: (input: { text: string }) => ({ text: input.text }),
});

export const wordCount = defineTool({
  name: 'word_count',
  handler: (input: { text: string }) => ({ words: input.text.split(/\s+/u).filter((w) => w !== '').length }),
});

export default definePlugin({ tools: [echo, wordCount] });
