// esbuild loads .css as text (scripts/build.mjs); the page adopts it as a constructable stylesheet.
declare module '*.css' {
  const text: string;
  export default text;
}
