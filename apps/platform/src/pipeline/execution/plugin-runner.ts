// Output validation and the in-process run live in the SDK, so @polyrad/sdk/testing checks a vendor's
// plugin exactly as the platform does; the execution code keeps importing them from here.
export { outputProblems, runPlugin, type RunResult } from '@polyrad/sdk';
