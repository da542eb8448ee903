/**
 * One OpRule per ONNX op type: how an op couples the channel dimensions of its inputs and outputs. An op without a rule locks the groups it touches.
 */
package dev.lopper.analysis.rules;
