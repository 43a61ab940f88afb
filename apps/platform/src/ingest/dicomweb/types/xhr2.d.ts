/** xhr2: XMLHttpRequest for Node, so the browser client dicomweb-client runs in specs. */
declare module 'xhr2' {
  const XMLHttpRequest: unknown;
  export default XMLHttpRequest;
}
