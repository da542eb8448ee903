/**
 * The picocli command line (lopper inspect, groups, prune, eval, bench, measure): option parsing and printing only; the work is done by the core packages. Never depends on the app.
 */
package dev.lopper.cli;
