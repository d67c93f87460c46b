// How each transport is drawn in the HTML report: one colour and one marker shape per transport
// name, the same in every chart and every run. Colours come from the Okabe-Ito palette (told apart
// also with the common colour-vision deficiencies) plus brown and grey; with more transports than
// colours, the shape tells rows of one colour apart. shmring's rows have filled markers and solid,
// thicker lines, the other transports hollow markers; coalesced rows are dashed.

export type Shape = 'circle' | 'square' | 'triangle' | 'diamond';

export interface SeriesStyle {
  color: string;
  shape: Shape;
  filled: boolean;
  dashed: boolean;
}

const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  sky: '#56B4E9',
  green: '#009E73',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  brown: '#8c564b',
  grey: '#7f7f7f',
} as const;

const { black, orange, sky, green, blue, vermillion, purple, brown, grey } = OKABE_ITO;

/** The transports the bench knows, each with a colour and shape pair of its own. */
const KNOWN: Record<string, [color: string, shape: Shape]> = {
  'shmring-for-await': [blue, 'circle'],
  'shmring-on-message': [sky, 'circle'],
  'shmring-for-await-park': [purple, 'circle'],
  'shmring-sync-spin': [vermillion, 'square'],
  'shmring-sync-adaptive': [orange, 'square'],
  'shmring-sync-park': [purple, 'square'],
  'shmring-try-spin': [green, 'square'],
  'shmring-mpsc-1': [green, 'triangle'],
  'shmring-mpsc-4': [blue, 'triangle'],
  'shmring-fork': [vermillion, 'diamond'],
  'shmring-internal-ring': [grey, 'diamond'],
  'futex-pingpong': [grey, 'triangle'],
  'unix-socket': [black, 'circle'],
  'stdio-socketpair': [brown, 'circle'],
  fifo: [orange, 'circle'],
  'tcp-nodelay': [black, 'triangle'],
  'fork-ipc-json': [purple, 'triangle'],
  'fork-ipc-advanced': [vermillion, 'triangle'],
  'fork-ipc-advanced-objects': [brown, 'diamond'],
  'worker-messageport': [green, 'circle'],
  'zeromq-ipc': [blue, 'diamond'],
  'codec-msgpack-encode': [sky, 'square'],
  'codec-msgpack-decode': [brown, 'square'],
  'codec-shmring-encode': [sky, 'triangle'],
  'codec-shmring-decode': [brown, 'diamond'],
  'codec-json-stringify': [black, 'square'],
  'codec-json-parse': [sky, 'diamond'],
};

const COLORS = [blue, vermillion, green, orange, purple, sky, brown, black, grey];
const SHAPES: Shape[] = ['circle', 'square', 'triangle', 'diamond'];
const COALESCED = '-coalesced';

/**
 * The style of every transport of `names`. A coalesced row takes the colour and shape of its
 * per-message row, dashed. A name the table above lacks (a row added later) gets the first
 * colour and shape pair no other transport of the report uses, in the order of the sorted names,
 * so it keeps its look across the charts of one report.
 */
export function stylesOf(names: readonly string[]): (name: string) => SeriesStyle {
  const bases = [
    ...new Set(names.map((n) => (n.endsWith(COALESCED) ? n.slice(0, -COALESCED.length) : n))),
  ];
  const pairs = new Map<string, [string, Shape]>();
  const used = new Set<string>();
  for (const base of bases) {
    const known = KNOWN[base];
    if (known !== undefined) {
      pairs.set(base, known);
      used.add(known.join());
    }
  }
  const free = SHAPES.flatMap((shape) =>
    COLORS.map((color): [string, Shape] => [color, shape]),
  ).filter((pair) => !used.has(pair.join()));
  const unknown = bases.filter((b) => !pairs.has(b)).sort();
  unknown.forEach((base, i) => pairs.set(base, free[i % free.length]!));
  return (name) => {
    const dashed = name.endsWith(COALESCED);
    const base = dashed ? name.slice(0, -COALESCED.length) : name;
    const [color, shape] = pairs.get(base) ?? [grey, 'circle'];
    return { color, shape, filled: base.startsWith('shmring-'), dashed };
  };
}

/**
 * An SVG marker of `style` centred on (x, y), radius about `r`; `title` is its tooltip (none in
 * a legend). Class "mark" on a figure's marker, "key" on a legend's.
 */
export function marker(
  style: SeriesStyle,
  x: number,
  y: number,
  r: number,
  title: string | null,
  opacity = 1,
): string {
  const fill = style.filled ? style.color : '#fff';
  const paint = `fill="${fill}" stroke="${style.color}" stroke-width="1.8" opacity="${opacity}" class="${title === null ? 'key' : 'mark'}"`;
  const tip = title === null ? '' : `<title>${title}</title>`;
  const p = (n: number): string => n.toFixed(1);
  switch (style.shape) {
    case 'circle':
      return `<circle cx="${p(x)}" cy="${p(y)}" r="${r}" ${paint}>${tip}</circle>`;
    case 'square':
      return `<rect x="${p(x - r * 0.9)}" y="${p(y - r * 0.9)}" width="${p(r * 1.8)}" height="${p(r * 1.8)}" ${paint}>${tip}</rect>`;
    case 'triangle':
      return `<polygon points="${p(x)},${p(y - r * 1.15)} ${p(x + r * 1.1)},${p(y + r * 0.8)} ${p(x - r * 1.1)},${p(y + r * 0.8)}" ${paint}>${tip}</polygon>`;
    case 'diamond':
      return `<polygon points="${p(x)},${p(y - r * 1.25)} ${p(x + r * 1.1)},${p(y)} ${p(x)},${p(y + r * 1.25)} ${p(x - r * 1.1)},${p(y)}" ${paint}>${tip}</polygon>`;
  }
}
