import { describe } from 'vitest';
import { limitStoreContract } from './limits.contract.js';
import { createMemoryLimitStore } from './memory.js';

describe('memory limit store', () => limitStoreContract(createMemoryLimitStore));
