/** The AE title the platform answers to (DESIGN.md, "Server"), and calls the prior PACS with; its own module, so the priors need not import the SCP. */
export const POLYRAD_AE_TITLE = 'POLYRAD';
