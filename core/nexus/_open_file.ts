/**
 * Opening a file to read, with errors that name it: the one place both HDF5 readers open a
 * file.
 *
 * @module
 */

/**
 * Open `path` to read and tell its size.
 * @param path The file.
 * @returns The open file (the caller closes it) and its size in bytes.
 * @throws {Deno.errors.NotFound} Naming the file, when it does not exist.
 * @throws {Error} Naming the file, when it cannot be opened or is not a file.
 */
export async function openToRead(path: string): Promise<{ file: Deno.FsFile; size: number }> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`Cannot read "${path}": no such file`);
    }
    throw new Error(`Cannot read "${path}": ${(error as Error).message}`, { cause: error });
  }
  try {
    const { size, isFile } = await file.stat();
    if (!isFile) throw new Error(`Cannot read "${path}": not a file`);
    return { file, size };
  } catch (error) {
    file.close();
    throw error;
  }
}
