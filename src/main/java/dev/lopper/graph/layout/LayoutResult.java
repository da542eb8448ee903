package dev.lopper.graph.layout;

/**
 * Where a layout put everything. Node coordinates are box centres; each edge is a polyline
 * {@code x0,y0,x1,y1,...} from the bottom of its source to the top of its target.
 *
 * @param x      centre x of each node
 * @param y      centre y of each node
 * @param layer  layer (row) of each node, 0 at the top
 * @param order  position of each node inside its layer
 * @param edgePoints polyline per edge (null for self loops and ignored back edges)
 * @param width  total width of the drawing
 * @param height total height of the drawing
 * @param layerCount number of layers
 * @param crossings edge crossings counted between adjacent layers after reduction
 */
public record LayoutResult(double[] x, double[] y, int[] layer, int[] order, double[][] edgePoints,
                           double width, double height, int layerCount, long crossings) { }
