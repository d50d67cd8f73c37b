import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ScrollTable, num } from './ScrollTable';

const row = createElement('tr', null, createElement('td', null, 'cell'));

describe('ScrollTable', () => {
  it('writes the labelled, focusable scroll region, caption, headings and body rows', () => {
    const html = renderToStaticMarkup(
      createElement(ScrollTable, {
        label: 'Arena buffers table',
        scrollClass: 'timeline-table',
        tableClass: 'layer-table',
        testId: 'memory-timeline-table',
        caption: 'Recall per class',
        columns: ['Buffer', num('Bytes'), num(createElement('span', { className: 'hint' }, 'B'))],
        children: row,
      }),
    );
    expect(html).toBe(
      '<div class="table-scroll timeline-table" tabindex="0" role="region" aria-label="Arena buffers table">' +
        '<table class="layer-table" data-testid="memory-timeline-table">' +
        '<caption>Recall per class</caption>' +
        '<thead><tr><th scope="col">Buffer</th><th scope="col" class="num">Bytes</th>' +
        '<th scope="col" class="num"><span class="hint">B</span></th></tr></thead>' +
        '<tbody><tr><td>cell</td></tr></tbody></table></div>',
    );
  });

  it('leaves out the caption and the classes and test id it is not given', () => {
    const html = renderToStaticMarkup(
      createElement(ScrollTable, {
        label: 'Saved runs table',
        columns: [createElement('span', { className: 'visually-hidden' }, 'Actions')],
        children: row,
      }),
    );
    expect(html).toBe(
      '<div class="table-scroll" tabindex="0" role="region" aria-label="Saved runs table">' +
        '<table><thead><tr><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>' +
        '<tbody><tr><td>cell</td></tr></tbody></table></div>',
    );
  });
});
