/**
 * What this build is: Lopper's, Java's and ONNX Runtime's versions and the licenses of the bundled libraries, for
 * {@code lopper --version} and the app's About dialog.
 */
package dev.lopper.about;
