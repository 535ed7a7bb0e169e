import { rokuProject } from '../../vitest.shared.js';

export default rokuProject('@roku/plugin-subagent-explore');
