using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Linq;
using InstantIdAvatars.Models;
using InstantIdAvatars.Pipeline;
using Newtonsoft.Json.Linq;
using Spectre.Console;

namespace InstantIdAvatars.Cli
{
    /// <summary>
    /// `instantid bench`: end-to-end timing through the generator, per stage, median over runs (after warm-up
    /// runs that load the models). The prompt cache is defeated by varying the prompt per run so every stage runs.
    /// </summary>
    static class BenchCommand
    {
        public static Command Create()
        {
            var face = new Option<string?>("--face", "-f") { Description = "Face photo (default: the bundled astronaut)." };
            var steps = new Option<int>("--steps") { Description = "Denoising steps per run.", DefaultValueFactory = _ => 30 };
            var runs = new Option<int>("--runs") { Description = "Measured runs.", DefaultValueFactory = _ => 3 };
            var warmup = new Option<int>("--warmup") { Description = "Unmeasured runs first (model loading, ORT's first-run work).", DefaultValueFactory = _ => 1 };
            var width = new Option<int?>("--width", "-W") { Description = "Output width (default: the model set's)." };
            var height = new Option<int?>("--height", "-H") { Description = "Output height (default: the model set's)." };
            var json = new Option<string?>("--json") { Description = "Also write the results as JSON here." };
            var models = CliOptions.Models();
            var provider = CliOptions.Provider();
            var lowVram = new Option<bool>("--low-vram") { Description = "Benchmark low-VRAM mode." };
            var command = new Command("bench", "Time the whole pipeline per stage (table + optional JSON).") { face, steps, runs, warmup, width, height, json, models, provider, lowVram };
            command.SetAction(parse => Program.Run(parse, () =>
            {
                int n = parse.GetValue(runs), w = parse.GetValue(warmup);
                if (n < 1 || w < 0) throw new CliUsageException("--runs must be ≥ 1 and --warmup ≥ 0");
                var folder = CliOptions.ModelSetFolder(parse.GetValue(models));
                // not beside --models: a real set does not sit in Tests/Fixtures
                var facePath = parse.GetValue(face) ?? CliOptions.BundledFace();
                var factoryLog = new List<string>();
                var options = new GeneratorOptions { LowVram = parse.GetValue(lowVram), Sessions = new SessionSettings { Provider = parse.GetValue(provider), Log = factoryLog.Add } };
                using var generator = new InstantIdGenerator(folder, options);
                var samples = new List<(Dictionary<GenerationStage, TimeSpan> Stages, TimeSpan Total)>();
                var host = new List<(double HostMs, double StepMs)>();
                for (int i = 0; i < w + n; i++)
                {
                    var request = new GenerationRequest
                    {
                        FacePhotoPaths = { facePath }, Prompt = $"benchmark portrait {i}", Steps = parse.GetValue(steps), Seed = i,
                        Width = parse.GetValue(width) ?? 0, Height = parse.GetValue(height) ?? 0,
                    };
                    var clock = Stopwatch.StartNew();
                    using var result = generator.GenerateAsync(request).GetAwaiter().GetResult();
                    clock.Stop();
                    if (i >= w)
                    {
                        samples.Add((result.Timings.ToDictionary(p => p.Key, p => p.Value), clock.Elapsed));
                        host.Add((result.HostTimePerStep.TotalMilliseconds, result.StepTime.TotalMilliseconds));
                    }
                }
                static double Median(IEnumerable<double> values)
                {
                    var sorted = values.OrderBy(v => v).ToArray();
                    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
                }
                var stages = samples.SelectMany(s => s.Stages.Keys).Distinct().OrderBy(s => s).ToArray();
                var rows = stages.Select(s => (Stage: s.ToString(), Ms: Median(samples.Select(x => x.Stages.TryGetValue(s, out var t) ? t.TotalMilliseconds : 0)))).ToList();
                int stepCount = parse.GetValue(steps);
                rows.Add(("per denoising step", Median(host.Select(h => h.StepMs))));
                var hostMs = Median(host.Select(h => h.HostMs));
                rows.Add(("host per step (outside models)", hostMs));
                rows.Add(("total (wall, incl. queue)", Median(samples.Select(s => s.Total.TotalMilliseconds))));
                var table = new Table().AddColumns("stage", "median ms");
                foreach (var r in rows) table.AddRow(r.Stage, r.Ms.ToString("0.0##", System.Globalization.CultureInfo.InvariantCulture));
                if (Console.IsOutputRedirected) foreach (var r in rows) Console.WriteLine($"{r.Stage,-28} {r.Ms,10:0.0##} ms");
                else AnsiConsole.Write(table);
                var stepMs = Median(host.Select(h => h.StepMs));
                Console.WriteLine($"host overhead: {(stepMs > 0 ? 100 * hostMs / stepMs : 0):0.00} % of a step");
                Console.WriteLine($"{n} runs after {w} warm-up, {stepCount} steps, provider: {string.Join("; ", factoryLog)}");
                if (parse.GetValue(json) is string jsonPath)
                {
                    var doc = new JObject
                    {
                        ["model_set"] = folder, ["runs"] = n, ["warmup"] = w, ["steps"] = stepCount, ["provider_log"] = new JArray(factoryLog),
                        ["median_ms"] = new JObject(rows.Select(r => new JProperty(r.Stage, Math.Round(r.Ms, 3)))),
                    };
                    AtomicFile.WriteAllBytes(jsonPath, System.Text.Encoding.UTF8.GetBytes(doc.ToString()));
                    Console.WriteLine($"wrote {jsonPath}");
                }
                return 0;
            }));
            return command;
        }
    }
}
