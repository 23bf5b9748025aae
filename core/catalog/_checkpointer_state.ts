/**
 * The slots of the state a {@linkcode Checkpointer} shares with its thread, one `Int32` each.
 *
 * @module
 */

/** 1 while a checkpoint is asked for or running. */
export const BUSY = 0;
/** Frames in the log at the last checkpoint (-1 when it failed). */
export const LOG = 1;
/** Frames of the log in the database after the last checkpoint. */
export const CHECKPOINTED = 2;
/** 1 once the thread's connection is closed. */
export const CLOSED = 3;
/** 1 when the thread could not open the file. */
export const FAILED = 4;
/** Slots in all. */
export const SLOTS = 5;
