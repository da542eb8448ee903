/**
 * The benchmark suite ({@code lopper bench-suite}): times every stage of the pipeline (load, standardize, group,
 * score, plan, apply, verify, write, layout) with peak memory on given and generated models, and the pruned vs
 * original latency ratio next to the MACs ratio on generated ResNet-50- and MobileNetV2-shaped models. Sits on top
 * of the core (prune and below); never imports JavaFX.
 */
package dev.lopper.bench;
