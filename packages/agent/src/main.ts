// placeholder replaced by the agent's command line
export {};
