export { analyzeCapacity, type CapacityAnalysis, type CapacityParams, STUDY_PARAMS } from './capacity.js';
export { analysisJson, analysisRows, formatAnalysis } from './format.js';
