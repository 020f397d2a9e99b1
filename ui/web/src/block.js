// A wide expanded for_each stage is drawn as a block: its tasks in a grid
// inside one compound node, which the layout places as a single node and
// which edges reach once, each labelled once. A column of 2,000 nodes at
// Fit is a hairline, and 2,000 edges from one producer read as chains
// that do not exist; a block is legible as a block with its counts.

export const BLOCK_MIN = 12; // members; fewer are drawn as nodes in the layout

const CELL = 34; // a task's height
const CELL_H = 42; // the row pitch, less the gap
const GAP = 12;

// blockShape sizes the grid of n cells of width cellW: about twice as wide
// as tall, as the graph reads left to right. The head above the grid holds
// the label, whose font grows with the block (blockFont), so that the
// label stays inside the box the layout placed and routed edges around.
export function blockShape(n, cellW) {
  const cols = Math.max(1, Math.ceil(Math.sqrt((n * 2 * CELL_H) / cellW)));
  const rows = Math.ceil(n / cols);
  const w = cols * (cellW + GAP) + GAP;
  const font = Math.max(14, Math.round(w / 40));
  const head = Math.round(font * 1.4) + 8;
  return { cols, rows, cellW, w, h: rows * (CELL_H + GAP) + GAP + head, head, font };
}

// cellPosition is the centre of cell i of a block whose centre is at c.
export function cellPosition(shape, c, i) {
  const col = i % shape.cols;
  const row = Math.floor(i / shape.cols);
  return {
    x: c.x - shape.w / 2 + GAP + col * (shape.cellW + GAP) + shape.cellW / 2,
    y: c.y - shape.h / 2 + shape.head + GAP + row * (CELL_H + GAP) + CELL_H / 2,
  };
}

// blockFont is a label size that stays readable when the whole block is
// in view: about a fortieth of its width.
export function blockFont(shape) {
  return shape.font;
}

// blockBox is what the compound node needs to be drawn as the box the
// layout placed: Cytoscape sizes a compound node by its children, which
// sit GAP from its sides and head + GAP from its top, plus the margin of
// a cell within its row.
export function blockBox(shape) {
  const top = shape.head + GAP + (CELL_H - CELL) / 2;
  const bottom = GAP + (CELL_H - CELL) / 2;
  return {
    w: shape.w,
    h: shape.h,
    biasTop: (100 * top) / (top + bottom),
    biasBottom: (100 * bottom) / (top + bottom),
    labelY: shape.head - 4, // the label's baseline, below the top of the box
  };
}
