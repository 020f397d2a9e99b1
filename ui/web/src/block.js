// A wide expanded for_each stage is drawn as a block: its tasks in a grid
// inside one compound node, which the layout places as a single node and
// which edges reach once, each labelled once. A column of 2,000 nodes at
// Fit is a hairline, and 2,000 edges from one producer read as chains
// that do not exist; a block is legible as a block with its counts.

export const BLOCK_MIN = 12; // members; fewer are drawn as nodes in the layout

const CELL_H = 42;
const GAP = 12;
const HEAD = 30; // room for the block's label above its grid

// blockShape sizes the grid of n cells of width cellW: about twice as wide
// as tall, as the graph reads left to right.
export function blockShape(n, cellW) {
  const cols = Math.max(1, Math.ceil(Math.sqrt((n * 2 * CELL_H) / cellW)));
  const rows = Math.ceil(n / cols);
  return { cols, rows, cellW, w: cols * (cellW + GAP) + GAP, h: rows * (CELL_H + GAP) + GAP + HEAD };
}

// cellPosition is the centre of cell i of a block whose centre is at c.
export function cellPosition(shape, c, i) {
  const col = i % shape.cols;
  const row = Math.floor(i / shape.cols);
  return {
    x: c.x - shape.w / 2 + GAP + col * (shape.cellW + GAP) + shape.cellW / 2,
    y: c.y - shape.h / 2 + HEAD + GAP + row * (CELL_H + GAP) + CELL_H / 2,
  };
}

// blockFont is a label size that stays readable when the whole block is
// in view: about a fortieth of its width.
export function blockFont(shape) {
  return Math.max(14, Math.round(shape.w / 40));
}
