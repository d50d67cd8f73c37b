/** Public entry of the framework-free core: graph, channel groups, MCU resource model. */
export * from './graph';
export * from './graphError';
export * from './graphAnalysis';
export * from './channelGroups';
export * from './linearForms';
export * from './deployment';
export * from './arenaSchedule';
export * from './resourceConstants';
export * from './hardware';
export * from './resourceModel';
export * from './feasibility';
export * from './exampleGraphs';
