/** `mm-lock-lens check`: not written yet (see the issue that owns it). */
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('mm-lock-lens: check is not available yet\n');
  return 2;
}
