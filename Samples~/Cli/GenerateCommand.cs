using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Models;
using InstantIdAvatars.Pipeline;
using Spectre.Console;

namespace InstantIdAvatars.Cli
{
    /// <summary>`instantid generate`: one image from a face photo (or profile) and a prompt, with its settings in the PNG.</summary>
    static class GenerateCommand
    {
        public static Command Create()
        {
            var faces = new Option<string[]>("--face", "-f") { Description = "Face photo of the person (repeat for several photos).", AllowMultipleArgumentsPerToken = true };
            var profile = new Option<string?>("--profile") { Description = "Saved identity profile (.iidprofile) instead of photos." };
            var prompt = new Option<string?>("--prompt", "-p") { Description = "What to generate." };
            var negative = new Option<string?>("--negative", "-n") { Description = "Negative prompt (empty = SDXL's zero negative, InstantID's default)." };
            var prompt2 = new Option<string?>("--prompt2") { Description = "Prompt for the second text encoder (default: --prompt)." };
            var weighting = new Option<bool>("--weighting") { Description = "Read A1111 weighting syntax: (word:1.3), [word]." };
            var pose = new Option<string?>("--pose") { Description = "Photo whose face pose drives the output (default: the identity photo's pose)." };
            var poseKeypoints = new Option<string?>("--pose-keypoints") { Description = "Five points as JSON [[x,y],…] or a .json file, in output pixels (left eye, right eye, nose, left mouth, right mouth)." };
            var width = new Option<int?>("--width", "-W") { Description = "Output width (multiple of 8; default: the model set's)." };
            var height = new Option<int?>("--height", "-H") { Description = "Output height (multiple of 8; default: the model set's)." };
            var steps = new Option<int?>("--steps") { Description = "Denoising steps (default 30)." };
            var seed = new Option<long?>("--seed", "-s") { Description = "Seed (torch.randn-compatible); default random, printed and saved." };
            var guidance = new Option<float?>("--guidance", "-g") { Description = "Classifier-free guidance scale (default 5; ≤ 1 disables it)." };
            var ipScale = new Option<float?>("--ip-scale") { Description = "IP-Adapter (identity tokens) scale (default 0.8)." };
            var netScale = new Option<float?>("--identitynet-scale") { Description = "IdentityNet ControlNet scale (default 0.8)." };
            var netStart = new Option<float?>("--identitynet-start") { Description = "Fraction of steps where IdentityNet starts (default 0)." };
            var netEnd = new Option<float?>("--identitynet-end") { Description = "Fraction of steps where IdentityNet stops (default 1)." };
            var scheduler = new Option<string?>("--scheduler") { Description = "euler, euler_a, dpmpp_2m, dpmpp_2m_karras, ddim, lcm (default: the model set's)." };
            var combine = new Option<MultiReferenceMode?>("--combine") { Description = "Several photos: Average (paper), NormAverage, Stacked." };
            var preset = new Option<string?>("--preset") { Description = "Preset: " + string.Join(", ", GenerationPreset.BuiltIn.Select(p => p.Name)) + " (explicit options win)." };
            var from = new Option<string?>("--from") { Description = "Reproduce a PNG made by this tool (its saved settings; other options override them)." };
            var output = new Option<string>("--output", "-o") { Description = "PNG to write.", Required = true };
            var models = CliOptions.Models();
            var provider = CliOptions.Provider();
            var lowVram = new Option<bool>("--low-vram") { Description = "Load each stage's models only while it runs (less GPU memory, slower)." };
            var initImage = new Option<string?>("--init-image") { Description = "img2img: start from this image (needs vae_encoder/ in the set)." };
            var strength = new Option<double?>("--strength") { Description = "img2img strength in (0,1]: how much of the start image is replaced (default 0.8)." };
            var faceRegion = new Option<bool>("--face-region") { Description = "Limit IdentityNet to the face box (InstantID demo's \"enhance face region\")." };
            var regions = new Option<string[]>("--region")
            {
                Description = "Several people: X,Y,W,H:photo.jpg (output pixels; repeat per person). The photo may be a .iidprofile.",
                AllowMultipleArgumentsPerToken = true,
            };
            var previews = new Option<string?>("--previews") { Description = "Folder to write a latent preview PNG per step into." };

            var command = new Command("generate", "Generate an image of the person in the photo.")
            {
                faces, profile, prompt, negative, prompt2, weighting, pose, poseKeypoints, width, height, steps, seed, guidance, ipScale,
                netScale, netStart, netEnd, scheduler, combine, preset, from, output, models, provider, lowVram, previews,
                initImage, strength, faceRegion, regions,
            };
            command.SetAction(parse => Program.Run(parse, () =>
            {
                bool Given(Option o) => parse.GetResult(o) != null;
                var request = parse.GetValue(from) is string png ? GenerationMetadata.ReadRequest(png) : new GenerationRequest();
                var savedSize = (request.Width, request.Height);
                if (parse.GetValue(preset) is string presetName)
                {
                    // the saved prompt already carries its own preset's template; wrapping it again doubles it
                    if (parse.GetValue(from) != null && !Given(prompt) && GenerationPreset.Get(presetName).PromptTemplate != null)
                        throw new CliUsageException($"with --from and --preset {presetName}, give --prompt too: the saved prompt already has its preset's template");
                    if (Given(prompt)) request.Prompt = parse.GetValue(prompt)!;
                    GenerationPreset.Get(presetName).ApplyTo(request);
                }
                var parsedRegions = Given(regions) ? parse.GetValue(regions)!.Select(ParseRegion).ToList() : null; // syntax errors first
                // Options that name the same thing twice fail instead of one silently winning.
                if (Given(faces) && Given(profile))
                    throw new CliUsageException("give the identity either as photos (--face) or as a profile (--profile), not both");
                if (Given(pose) && Given(poseKeypoints))
                    throw new CliUsageException("give the pose either as a photo (--pose) or as points (--pose-keypoints), not both");
                if (Given(regions) && (Given(faces) || Given(profile) || Given(pose) || Given(poseKeypoints)))
                    throw new CliUsageException("with --region, give each person's photo or profile in their --region (X,Y,W,H:photo.jpg), not --face/--profile/--pose/--pose-keypoints");
                // Over --from, a new identity replaces the saved one whatever its kind (one person ↔ several regions).
                if (Given(faces) || Given(profile)) request.Regions.Clear();
                if (Given(regions))
                {
                    request.FacePhotoPaths.Clear();
                    request.ProfilePath = null;
                    request.PosePhotoPath = null;
                    request.PoseKeypoints = null;
                }
                if (Given(faces)) { request.FacePhotoPaths = parse.GetValue(faces)!.ToList(); request.ProfilePath = null; }
                if (Given(profile)) { request.ProfilePath = parse.GetValue(profile); request.FacePhotoPaths.Clear(); }
                if (Given(prompt) && parse.GetValue(preset) == null) request.Prompt = parse.GetValue(prompt)!;
                if (Given(negative)) request.NegativePrompt = parse.GetValue(negative) ?? "";
                if (Given(prompt2)) request.Prompt2 = parse.GetValue(prompt2);
                if (Given(weighting)) request.PromptWeighting = parse.GetValue(weighting);
                if (Given(pose)) { request.PosePhotoPath = parse.GetValue(pose); request.PoseKeypoints = null; }
                if (Given(poseKeypoints)) { request.PoseKeypoints = ParseKeypoints(parse.GetValue(poseKeypoints)!); request.PosePhotoPath = null; }
                if (Given(width)) request.Width = parse.GetValue(width)!.Value;
                if (Given(height)) request.Height = parse.GetValue(height)!.Value;
                // a reproduced request at another size keeps its layout: saved points and regions are in the old pixels
                if (parse.GetValue(from) != null && !Given(poseKeypoints)) ResizeSavedLayout(request, savedSize.Width, savedSize.Height);
                if (Given(steps)) request.Steps = parse.GetValue(steps)!.Value;
                if (Given(seed)) request.Seed = parse.GetValue(seed);
                if (Given(guidance)) request.GuidanceScale = parse.GetValue(guidance)!.Value;
                if (Given(ipScale)) request.IpAdapterScale = parse.GetValue(ipScale)!.Value;
                if (Given(netScale)) request.IdentityNetScale = parse.GetValue(netScale)!.Value;
                if (Given(netStart)) request.IdentityNetStart = parse.GetValue(netStart)!.Value;
                if (Given(netEnd)) request.IdentityNetEnd = parse.GetValue(netEnd)!.Value;
                if (Given(scheduler)) request.Scheduler = parse.GetValue(scheduler);
                if (Given(combine)) request.Combine = parse.GetValue(combine)!.Value;
                if (Given(initImage)) request.InitImagePath = parse.GetValue(initImage);
                if (Given(strength)) request.Strength = parse.GetValue(strength);
                if (Given(faceRegion)) request.FaceRegionMask = parse.GetValue(faceRegion);
                if (parsedRegions != null) request.Regions = parsedRegions;
                if (request.FacePhotoPaths.Count == 0 && request.ProfilePath == null && request.Regions.Count == 0)
                    throw new CliUsageException("give a face photo (--face photo.jpg), a profile (--profile ada.iidprofile) or --region X,Y,W,H:photo.jpg per person");
                if (!Given(prompt) && parse.GetValue(from) == null && parse.GetValue(preset) == null)
                    throw new CliUsageException("give a prompt (--prompt \"…\")");
                var previewFolder = parse.GetValue(previews);
                request.Previews = previewFolder != null;

                var folder = CliOptions.ModelSetFolder(parse.GetValue(models));
                var options = new GeneratorOptions
                {
                    LowVram = parse.GetValue(lowVram),
                    Sessions = new SessionSettings { Provider = parse.GetValue(provider), Log = m => Console.Error.WriteLine(m) },
                };
                using var generator = new InstantIdGenerator(folder, options);
                using var cancel = new CancellationTokenSource();
                Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
                using var result = RunWithProgress(generator, request, previewFolder, cancel.Token);
                var path = parse.GetValue(output)!;
                GenerationMetadata.SavePng(result.Image, result.Settings, path);
                foreach (var note in result.Notes) Console.Error.WriteLine("note: " + note);
                Console.WriteLine($"wrote {path} ({result.Image.Width}x{result.Image.Height}, seed {result.Seed}, "
                                  + $"{result.Timings.Values.Sum(t => t.TotalSeconds):0.00} s)");
                return 0;
            }));
            return command;
        }

        static GenerationResult RunWithProgress(InstantIdGenerator generator, GenerationRequest request, string? previewFolder, CancellationToken ct)
        {
            void SavePreview(GenerationProgress p)
            {
                if (previewFolder == null || p.Preview == null) return;
                Directory.CreateDirectory(previewFolder);
                using (p.Preview) SixLabors.ImageSharp.ImageExtensions.SaveAsPng(p.Preview, Path.Combine(previewFolder, $"step_{p.Step:000}.png"));
            }
            if (Console.IsOutputRedirected || Console.IsErrorRedirected)
            {
                var plain = new ReportOnThread(p =>
                {
                    SavePreview(p);
                    if (p.Stage == GenerationStage.Denoising) Console.Error.WriteLine($"step {p.Step}/{p.TotalSteps}");
                });
                return generator.GenerateAsync(request, plain, ct).GetAwaiter().GetResult();
            }
            GenerationResult? result = null;
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    var bar = context.AddTask("queued", maxValue: 1.0);
                    var progress = new ReportOnThread(p =>
                    {
                        SavePreview(p);
                        bar.Description = p.ToString();
                        bar.Value = p.Fraction;
                    });
                    result = generator.GenerateAsync(request, progress, ct).GetAwaiter().GetResult();
                    bar.Value = 1.0;
                });
            return result!;
        }

        /// <summary>
        /// Scales the saved pose keypoints and region rectangles of a request made at
        /// <paramref name="oldWidth"/>×<paramref name="oldHeight"/> to its current size (each axis stretched, as
        /// <see cref="InstantIdAvatars.Faces.PoseKeypoints.Refit"/> does). No-op when either size is unknown or equal.
        /// </summary>
        internal static void ResizeSavedLayout(GenerationRequest request, int oldWidth, int oldHeight)
        {
            int w = request.Width, h = request.Height;
            if (oldWidth <= 0 || oldHeight <= 0 || w <= 0 || h <= 0 || (w == oldWidth && h == oldHeight)) return;
            float sx = (float)w / oldWidth, sy = (float)h / oldHeight;
            float[]? Scale(float[]? points) => points?.Select((v, i) => i % 2 == 0 ? v * sx : v * sy).ToArray();
            request.PoseKeypoints = Scale(request.PoseKeypoints);
            foreach (var region in request.Regions)
            {
                region.PoseKeypoints = Scale(region.PoseKeypoints);
                int x2 = (int)Math.Round((region.X + region.Width) * sx), y2 = (int)Math.Round((region.Y + region.Height) * sy);
                region.X = (int)Math.Round(region.X * sx);
                region.Y = (int)Math.Round(region.Y * sy);
                region.Width = x2 - region.X;
                region.Height = y2 - region.Y;
            }
        }

        /// <summary>"X,Y,W,H:path" → one identity region (a .iidprofile path is a profile, anything else a photo).</summary>
        internal static IdentityRegionRequest ParseRegion(string text)
        {
            int colon = text.IndexOf(':');
            var numbers = colon < 0 ? Array.Empty<string>() : text.Substring(0, colon).Split(',');
            if (numbers.Length != 4 || !numbers.All(n => int.TryParse(n, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
                throw new CliUsageException($"--region '{text}' must look like X,Y,W,H:photo.jpg (integers in output pixels)");
            var v = numbers.Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();
            var path = text.Substring(colon + 1);
            var region = new IdentityRegionRequest { X = v[0], Y = v[1], Width = v[2], Height = v[3] };
            if (path.EndsWith(".iidprofile", StringComparison.OrdinalIgnoreCase)) region.ProfilePath = path;
            else region.FacePhotoPath = path;
            return region;
        }

        /// <summary>Five points from inline JSON or a JSON file: [[x,y],…] or [x0,y0,…].</summary>
        internal static float[] ParseKeypoints(string text)
        {
            var json = File.Exists(text) ? File.ReadAllText(text) : text;
            try
            {
                var token = Newtonsoft.Json.Linq.JToken.Parse(json);
                var values = token.SelectTokens("$..*").Where(t => t.Type == Newtonsoft.Json.Linq.JTokenType.Float || t.Type == Newtonsoft.Json.Linq.JTokenType.Integer)
                    .Select(t => (float)t).ToArray();
                if (values.Length != 10) throw new CliUsageException($"--pose-keypoints needs 5 points (10 numbers), found {values.Length}");
                return values;
            }
            catch (Newtonsoft.Json.JsonException e)
            {
                throw new CliUsageException("--pose-keypoints is neither a JSON file nor JSON like [[x,y],…]: " + e.Message);
            }
        }

        /// <summary>Calls the action on the reporting (worker) thread; the console is thread-safe.</summary>
        sealed class ReportOnThread : IProgress<GenerationProgress>
        {
            readonly Action<GenerationProgress> _action;
            public ReportOnThread(Action<GenerationProgress> action) => _action = action;
            public void Report(GenerationProgress value) => _action(value);
        }
    }
}
