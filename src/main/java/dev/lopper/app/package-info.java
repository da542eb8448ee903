/**
 * The JavaFX desktop app: the main window, CoreServices (the one place the app calls core code, through the same PruningSession as the CLI), undo, recent files, and the gui command. The only package that imports JavaFX.
 */
package dev.lopper.app;
