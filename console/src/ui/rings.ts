// A stable colour per ring name (the swatch next to it), from a fixed palette styled in CSS.
export const RING_COLOURS = ['blue', 'green', 'amber', 'violet', 'teal', 'rose', 'slate'] as const;

export function ringColour(ring: string): string {
  let h = 0;
  for (let i = 0; i < ring.length; i++) h = (h * 31 + ring.charCodeAt(i)) >>> 0;
  return RING_COLOURS[h % RING_COLOURS.length] as string;
}
