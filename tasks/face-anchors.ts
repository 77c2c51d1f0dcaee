/**
 * SSD anchors of face-api's SSD-MobileNetV1 (pure): the TensorFlow Object Detection API's
 * `ssd_anchor_generator` (multiple grid anchors) with the ssd_mobilenet_v1 settings, which
 * reproduces the `Output/extra_dim` table shipped in face-api's weights.
 */

/** Settings of {@link ssdAnchors}; defaults are ssd_mobilenet_v1's. */
export interface AnchorOptions {
  /** Feature map sides (square maps), one per predictor. Default [32, 16, 8, 4, 2, 1] (512×512 input). */
  readonly featureMaps?: readonly number[];
  /** Smallest anchor scale (fraction of the image side). Default 0.2. */
  readonly minScale?: number;
  /** Largest anchor scale. Default 0.95. */
  readonly maxScale?: number;
  /** Aspect ratios (width / height) per cell. Default [1, 2, 0.5, 3, 0.3333] (the TF config's literal 0.3333). */
  readonly aspectRatios?: readonly number[];
  /** First map gets only (0.1, 1), (minScale, 2), (minScale, 0.5). Default true. */
  readonly reduceBoxesInLowestLayer?: boolean;
}

/** Anchor boxes as [ymin, xmin, ymax, xmax] rows, normalised to the image (0..1), in face-api's order. */
export type Anchors = Float32Array;

/**
 * Generates the anchors: for map i of side n, scale s_i = min + (max − min)·i/(L − 1); each cell
 * (row, column) centred at ((row + 0.5)/n, (column + 0.5)/n) gets, per (scale, ratio), a box of
 * height s/√ratio and width s·√ratio. Maps after the first also get one box of scale
 * √(s_i·s_{i+1}) (s_L = 1) and ratio 1, second in the cell's list (after (s_i, ratio 1)), which
 * is where face-api's table has it. Order: map, cell row, cell column, box.
 */
export function ssdAnchors(options: AnchorOptions = {}): Anchors {
  const maps = options.featureMaps ?? [32, 16, 8, 4, 2, 1];
  const minScale = options.minScale ?? 0.2;
  const maxScale = options.maxScale ?? 0.95;
  const ratios = options.aspectRatios ?? [1, 2, 0.5, 3, 0.3333];
  const reduce = options.reduceBoxesInLowestLayer ?? true;
  const layers = maps.length;
  const scales = maps.map((_, i) => (layers === 1 ? minScale : minScale + ((maxScale - minScale) * i) / (layers - 1)));
  scales.push(1);
  const rows: number[] = [];
  maps.forEach((n, i) => {
    const s = scales[i] as number;
    const specs: [number, number][] = i === 0 && reduce
      ? [[0.1, 1], [s, 2], [s, 0.5]]
      : [...ratios.map((r): [number, number] => [s, r])];
    if (!(i === 0 && reduce)) specs.splice(1, 0, [Math.sqrt(s * (scales[i + 1] as number)), 1]);
    const stride = 1 / n;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const cy = (y + 0.5) * stride;
        const cx = (x + 0.5) * stride;
        for (const [scale, ratio] of specs) {
          const h = scale / Math.sqrt(ratio);
          const w = scale * Math.sqrt(ratio);
          rows.push(cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2);
        }
      }
    }
  });
  return Float32Array.from(rows);
}

/** Number of anchors in an anchor table. */
export function anchorCount(anchors: Anchors): number {
  return anchors.length / 4;
}
