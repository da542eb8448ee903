/**
 * One place per op: an {@link dev.lopper.analysis.ops.OpDefinition} says an op's channel coupling rule, MAC cost,
 * moment view and drawing category together; the family classes ({@code ConvolutionOps}, {@code ShapeOps}, ...)
 * write them and {@link dev.lopper.analysis.ops.Ops} is the one table that lists them.
 */
package dev.lopper.analysis.ops;
