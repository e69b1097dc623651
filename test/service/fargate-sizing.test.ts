import * as fc from 'fast-check';
import { FARGATE_CPU_SIZES, fargateMemorySizes, fargateTaskSizeProblem, isFargateTaskSize, smallestFargateTaskSize } from '../../lib/service/fargate-sizing';

describe('Fargate task sizes (ECS Developer Guide, "Task CPU and memory")', () => {
  test('follow the table: 256 takes 512, 1024, 2048; each larger CPU size a range in steps', () => {
    expect(fargateMemorySizes(256)).toEqual([512, 1024, 2048]);
    expect(fargateMemorySizes(512)).toEqual([1024, 2048, 3072, 4096]);
    expect(fargateMemorySizes(1024)).toEqual([2048, 3072, 4096, 5120, 6144, 7168, 8192]);
    expect(fargateMemorySizes(2048)![0]).toBe(4096);
    expect(fargateMemorySizes(2048)!.at(-1)).toBe(16_384);
    expect(fargateMemorySizes(4096)!.length).toBe(23); // 8 to 30 GiB
    expect(fargateMemorySizes(8192)).toEqual([16_384, 20_480, 24_576, 28_672, 32_768, 36_864, 40_960, 45_056, 49_152, 53_248, 57_344, 61_440]);
    expect(fargateMemorySizes(16_384)![0]).toBe(32_768);
    expect(fargateMemorySizes(16_384)!.at(-1)).toBe(122_880);
    expect(fargateMemorySizes(16_384)![1]).toBe(40_960);
    expect(fargateMemorySizes(300)).toBeUndefined();
  });

  test('a valid size has no problem; an invalid one names what Fargate offers with that CPU', () => {
    expect(fargateTaskSizeProblem(256, 512)).toBeUndefined();
    expect(fargateTaskSizeProblem(256, 4096)).toMatch(/256 CPU units with 512, 1024 or 2048 MiB, not 4096/);
    expect(fargateTaskSizeProblem(1024, 1024)).toMatch(/2048 to 8192 in steps of 1024 MiB/);
    expect(fargateTaskSizeProblem(8192, 18_432)).toMatch(/16384 to 61440 in steps of 4096/);
    expect(fargateTaskSizeProblem(300, 512)).toMatch(/300 CPU units is not a Fargate task size \(Fargate offers 256, 512, 1024, 2048, 4096, 8192, 16384\)/);
  });

  test('the smallest size for the default container (256 units, 512 MiB) is 256 / 512', () => {
    expect(smallestFargateTaskSize(256, 512)).toEqual({ cpu: 256, memoryMiB: 512 });
    expect(smallestFargateTaskSize(256, 576)).toEqual({ cpu: 256, memoryMiB: 1024 });
    expect(smallestFargateTaskSize(256, 3000)).toEqual({ cpu: 512, memoryMiB: 3072 });
    expect(smallestFargateTaskSize(100, 100)).toEqual({ cpu: 256, memoryMiB: 512 });
    expect(smallestFargateTaskSize(16_385, 512)).toBeUndefined();
    expect(smallestFargateTaskSize(256, 122_881)).toBeUndefined();
  });

  test('the chosen size is valid, holds the need, and no valid size that holds it has less CPU, or as much CPU and less memory', () => {
    const all = FARGATE_CPU_SIZES.flatMap((cpu) => fargateMemorySizes(cpu)!.map((memoryMiB) => ({ cpu, memoryMiB })));
    fc.assert(fc.property(fc.integer({ min: 0, max: 17_000 }), fc.integer({ min: 0, max: 125_000 }), (cpu, memoryMiB) => {
      const size = smallestFargateTaskSize(cpu, memoryMiB);
      const fitting = all.filter((s) => s.cpu >= cpu && s.memoryMiB >= memoryMiB);
      if (!size) {
        expect(fitting).toEqual([]);
        return;
      }
      expect(isFargateTaskSize(size.cpu, size.memoryMiB)).toBe(true);
      expect(size.cpu).toBeGreaterThanOrEqual(cpu);
      expect(size.memoryMiB).toBeGreaterThanOrEqual(memoryMiB);
      for (const other of fitting) {
        expect(other.cpu > size.cpu || (other.cpu === size.cpu && other.memoryMiB >= size.memoryMiB)).toBe(true);
        // Never a cheaper choice either: memory grows with the CPU size.
        if (other.cpu > size.cpu) expect(other.memoryMiB).toBeGreaterThanOrEqual(size.memoryMiB);
      }
    }));
  });
});
