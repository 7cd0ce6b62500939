export { analyzeCapacity, type CapacityAnalysis, type CapacityParams, STUDY_PARAMS } from './capacity.js';
export { analysisJson, analysisMarkdown, analysisRows, formatAnalysis } from './format.js';
