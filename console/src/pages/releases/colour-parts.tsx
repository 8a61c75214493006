// Release colours as the page draws them: a swatch beside the name and the split of a ring
// between the candidate and the control. Drawn in SVG with presentation attributes (fill,
// width), which the console's CSP (style-src 'self', no inline styles) allows. The name is
// always written too: a hue never carries meaning alone.

/** Common colour names release documents use; any other name gets a stable hue of the palette. */
const NAMED: Readonly<Record<string, string>> = {
  blue: '#1f6feb',
  green: '#2da44e',
  red: '#cf222e',
  orange: '#e16f24',
  amber: '#d4a72c',
  yellow: '#d4a72c',
  purple: '#8250df',
  violet: '#8250df',
  teal: '#1b7c83',
  cyan: '#1b7c83',
  pink: '#bf3989',
  rose: '#cf222e',
  indigo: '#4c51bf',
  brown: '#8a5a00',
  grey: '#57606a',
  gray: '#57606a',
  slate: '#57606a',
  black: '#24292f',
};
const PALETTE = ['#1f6feb', '#2da44e', '#8250df', '#1b7c83', '#bf3989', '#e16f24', '#4c51bf'] as const;

/** The fill for a release colour's name. */
export function colourFill(name: string): string {
  const named = NAMED[name];
  if (named !== undefined) return named;
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length] as string;
}

/** A small square of the colour, followed by its name. */
export function Colour(props: { name: string | null; suffix?: string }) {
  if (props.name === null) return <span class="muted">—</span>;
  return (
    <span class="colour">
      <svg class="colour-swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
        <rect width="12" height="12" rx="2" fill={colourFill(props.name)} />
      </svg>
      {props.name}
      {props.suffix}
    </span>
  );
}

/**
 * A ring's split: the candidate's weight in its colour, the rest in the control's. The bar is
 * an image with a text alternative; the figures are written beside it.
 */
export function SplitBar(props: { ring: string; weight: number; candidate: string; control: string | null }) {
  const w = Math.max(0, Math.min(100, props.weight));
  const control = props.control ?? 'control';
  return (
    <svg
      class="split-bar"
      viewBox="0 0 100 10"
      preserveAspectRatio="none"
      role="img"
      aria-label={`${props.ring}: ${w}% on ${props.candidate}, ${100 - w}% on ${control}`}
    >
      <rect x="0" y="0" width="100" height="10" fill={props.control === null ? '#d0d7de' : colourFill(props.control)} />
      <rect x="0" y="0" width={w} height="10" fill={colourFill(props.candidate)} />
      {w > 0 && w < 100 && <rect x={w - 0.25} y="0" width="0.5" height="10" fill="#ffffff" />}
    </svg>
  );
}
