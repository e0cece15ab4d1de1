/** `mm-lock-lens context`: not written yet (see the issue that owns it). */
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('mm-lock-lens: context is not available yet\n');
  return 2;
}
