import { describe, expect, it } from 'vitest';
import { axisMax, chartTable, stackedBarSvg, type BarChart } from '../../src/admin/console/svg-chart.ts';

interface XmlElement { name: string; attrs: Record<string, string>; children: XmlElement[]; text: string }

/**
 * A strict parser for the XML subset the renderer writes (elements, quoted attributes, text,
 * the five entities): throws on anything malformed, so "it parses" means well-formed.
 */
function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const token = /<\/([A-Za-z][\w:-]*)\s*>|<([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let pos = 0;
  while (pos < xml.length) {
    token.lastIndex = pos;
    const m = token.exec(xml);
    if (!m) throw new Error(`malformed at ${pos}: ${xml.slice(pos, pos + 40)}`);
    pos = token.lastIndex;
    const top = stack[stack.length - 1]!;
    if (m[1]) {
      if (top.name !== m[1]) throw new Error(`</${m[1]}> closes <${top.name}>`);
      stack.pop();
    } else if (m[2]) {
      const attrs: Record<string, string> = {};
      for (const a of m[3]!.matchAll(/([\w:-]+)="([^"]*)"/g)) {
        if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]}`);
        attrs[a[1]!] = decode(a[2]!);
      }
      const el: XmlElement = { name: m[2], attrs, children: [], text: '' };
      top.children.push(el);
      if (!m[4]) stack.push(el);
    } else {
      top.text += decode(m[5]!);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root.children.length !== 1) throw new Error('not one root element');
  return root.children[0]!;
}

function decode(text: string): string {
  const bad = /&(?!(amp|lt|gt|quot|#39);)/.exec(text);
  if (bad) throw new Error(`bare & in ${text}`);
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

const all = (el: XmlElement, name: string): XmlElement[] => [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];

const chart: BarChart = {
  id: 'c1', title: 'Logins <per hour> & "methods"', desc: '登录次数', categories: ['08', '09', '10'],
  series: [{ label: 'password', color: '#1f5f99' }, { label: 'sms', color: '#d9822b' }],
  values: [[10, 5], [0, 0], [3, 17]],
};

describe('the SVG chart renderer', () => {
  it('writes well-formed SVG with an accessible name and description, escaped', () => {
    const svg = parseXml(stackedBarSvg(chart));
    expect(svg.name).toBe('svg');
    expect(svg.attrs.role).toBe('img');
    expect(svg.attrs['aria-labelledby']).toBe('c1-title c1-desc');
    const [title] = svg.children.filter((c) => c.name === 'title');
    expect(title).toMatchObject({ attrs: { id: 'c1-title' }, text: 'Logins <per hour> & "methods"' });
    expect(svg.children.find((c) => c.name === 'desc')).toMatchObject({ attrs: { id: 'c1-desc' }, text: '登录次数' });
    // Presentation attributes only: nothing the page's CSP would refuse.
    expect(stackedBarSvg(chart)).not.toMatch(/style=|<script|on\w+=/);
  });

  it('draws bars proportional to their values, stacked from the baseline', () => {
    const svg = parseXml(stackedBarSvg(chart));
    const bars = all(svg, 'rect').filter((r) => r.attrs.class === 'bar');
    // Zero values draw nothing: 10, 5, 3, 17.
    expect(bars.map((b) => Number(b.attrs['data-value']))).toEqual([10, 5, 3, 17]);
    const h = bars.map((b) => Number(b.attrs.height));
    expect(h[0]! / h[1]!).toBeCloseTo(2, 1);
    expect(h[3]! / h[2]!).toBeCloseTo(17 / 3, 1);
    // The largest stack (20) reaches the axis maximum (20): the full plot height.
    expect(axisMax(20)).toBe(20);
    expect(h[2]! + h[3]!).toBeCloseTo(180, 0);
    // Stacked: the second segment sits on the first.
    expect(Number(bars[1]!.attrs.y) + h[1]!).toBeCloseTo(Number(bars[0]!.attrs.y), 1);
    // Each bar says its value to assistive technology.
    expect(bars[3]!.children[0]).toMatchObject({ name: 'title', text: '10 · sms: 17' });
  });

  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 3, 7, 20, 21, 480, 501].map(axisMax)).toEqual([1, 1, 5, 10, 20, 50, 500, 1000]);
  });

  it('still parses with no data, and offers the same data as a table', () => {
    expect(parseXml(stackedBarSvg({ ...chart, categories: [], values: [] })).name).toBe('svg');
    expect(chartTable(chart, 'Total')).toEqual({
      head: ['', 'password', 'sms', 'Total'],
      rows: [['08', '10', '5', '15'], ['09', '0', '0', '0'], ['10', '3', '17', '20']],
    });
  });
});
