import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SelectField } from './SelectField';

describe('SelectField', () => {
  it('labels its drop-down, lists every option and marks the chosen one', () => {
    const html = renderToStaticMarkup(
      createElement(SelectField, {
        id: 'board',
        label: 'Microcontroller board',
        value: 'b',
        options: [
          { value: 'a', label: 'Board A' },
          { value: 'b', label: 'Board B' },
        ],
        disabled: true,
        describedBy: 'board-specs',
        onChange: () => undefined,
      }),
    );
    expect(html).toBe(
      '<div class="field"><label for="board">Microcontroller board</label>' +
        '<select id="board" disabled="" aria-describedby="board-specs">' +
        '<option value="a">Board A</option><option value="b" selected="">Board B</option>' +
        '</select></div>',
    );
  });
});
