using System;
using System.IO;
using System.Linq;
using InstantIdAvatars.Pipeline;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace InstantIdAvatars.Cli.Tests
{
    /// <summary>Runs `instantid` in-process on the bundled tiny model set and checks files, output and exit codes.</summary>
    [NonParallelizable]
    public sealed class CliTests
    {
        static readonly string Root = FindRoot();
        static readonly string Face = Path.Combine(Root, "Tests", "Fixtures", "Faces", "astronaut.png");
        static readonly string TinySet = Path.Combine(Root, "Tests", "Fixtures", "TinyModelSet");
        string _dir = "";

        static string FindRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "package.json"))) return dir.FullName;
            throw new DirectoryNotFoundException("package root not found");
        }

        [SetUp] public void Temp() { _dir = Path.Combine(Path.GetTempPath(), "instantid-cli-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
        [TearDown] public void Clean() => Directory.Delete(_dir, true);

        static (int Code, string Out, string Err) Run(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try { return (Program.Main(args), stdout.ToString(), stderr.ToString()); }
            finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
        }

        string Generate(string name, params string[] extra)
        {
            var output = Path.Combine(_dir, name);
            var args = new[] { "generate", "--face", Face, "--prompt", "a portrait", "--steps", "3", "--output", output }.Concat(extra).ToArray();
            var (code, _, err) = Run(args);
            Assert.That(code, Is.EqualTo(0), err);
            return output;
        }

        [Test]
        public void Generate_WritesAPngWithTheParametersChunk_AndSaysItUsesTheTinySet()
        {
            var output = Path.Combine(_dir, "a.png");
            var (code, stdout, stderr) = Run("generate", "--face", Face, "--prompt", "a portrait", "--steps", "3", "--seed", "5", "--output", output);
            Assert.That(code, Is.EqualTo(0), stderr);
            Assert.That(File.Exists(output), Is.True);
            Assert.That(stdout, Does.Contain("wrote").And.Contain("seed 5"));
            Assert.That(stderr, Does.Contain("bundled tiny model set (random weights"));
            Assert.That(stderr, Does.Contain("step 3/3"));
            Assert.That(GenerationMetadata.ReadText(output, "parameters"), Does.StartWith("a portrait\nNegative prompt: \nSteps: 3, Sampler: EulerDiscreteScheduler, CFG scale: 5, Seed: 5, Size: 64x64"));
        }

        [Test]
        public void SameSeedTwice_GivesIdenticalBytes_AndFromReproducesThem()
        {
            var a = File.ReadAllBytes(Generate("a.png", "--seed", "9"));
            var b = File.ReadAllBytes(Generate("b.png", "--seed", "9"));
            Assert.That(a, Is.EqualTo(b));
            var from = Path.Combine(_dir, "from.png");
            var (code, _, err) = Run("generate", "--from", Path.Combine(_dir, "a.png"), "--output", from);
            Assert.That(code, Is.EqualTo(0), err);
            Assert.That(File.ReadAllBytes(from), Is.EqualTo(a));
        }

        [Test]
        public void PresetAndPoseKeypoints_AreApplied()
        {
            var path = Generate("p.png", "--preset", "npc-fantasy", "--pose-keypoints", "[[20,20],[40,20],[30,30],[22,42],[38,42]]", "--width", "64", "--height", "64");
            var request = GenerationMetadata.ReadRequest(path);
            Assert.That(request.Prompt, Does.StartWith("fantasy character portrait of a portrait"));
            Assert.That(request.PoseKeypoints, Is.EqualTo(new[] { 20f, 20, 40, 20, 30, 30, 22, 42, 38, 42 }));
        }

        [Test]
        public void Img2ImgFaceRegionAndRegions_AreAcceptedAndRecorded()
        {
            var start = Generate("start.png", "--seed", "1");
            var img2img = GenerationMetadata.ReadRequest(Generate("i2i.png", "--init-image", start, "--strength", "0.5", "--face-region"));
            Assert.That((img2img.InitImagePath, img2img.Strength, img2img.FaceRegionMask), Is.EqualTo((start, (double?)0.5, true)));
            var twoPath = Path.Combine(_dir, "two.png");
            var (twoCode, _, twoErr) = Run("generate", "--prompt", "two people", "--steps", "2", "--width", "64", "--height", "64",
                "--region", $"0,0,32,64:{Face}", "--region", $"32,0,32,64:{Face}", "--output", twoPath);
            Assert.That(twoCode, Is.EqualTo(0), twoErr);
            var two = GenerationMetadata.ReadRequest(twoPath);
            Assert.That(two.Regions.Select(r => (r.X, r.Width, r.FacePhotoPath)), Is.EqualTo(new[] { (0, 32, Face), (32, 32, Face) }));
            var (code, _, err) = Run("generate", "--face", Face, "--prompt", "x", "--region", "1,2,3:face.png", "--output", Path.Combine(_dir, "bad.png"));
            Assert.That((code, err.Trim()), Is.EqualTo((2, "error: --region '1,2,3:face.png' must look like X,Y,W,H:photo.jpg (integers in output pixels)")));
        }

        [Test]
        public void ConflictingIdentityOrPoseOptions_FailInsteadOfOneSilentlyWinning()
        {
            var output = Path.Combine(_dir, "x.png");
            var profile = Run("generate", "--face", Face, "--profile", Path.Combine(_dir, "ada.iidprofile"), "--prompt", "x", "--output", output);
            Assert.That((profile.Code, profile.Err.Trim()), Is.EqualTo((2, "error: give the identity either as photos (--face) or as a profile (--profile), not both")));
            var pose = Run("generate", "--face", Face, "--pose", Face, "--pose-keypoints", "[[20,20],[40,20],[30,30],[22,42],[38,42]]", "--prompt", "x", "--output", output);
            Assert.That((pose.Code, pose.Err.Trim()), Is.EqualTo((2, "error: give the pose either as a photo (--pose) or as points (--pose-keypoints), not both")));
            var region = Run("generate", "--face", Face, "--region", $"0,0,32,64:{Face}", "--prompt", "x", "--output", output);
            Assert.That((region.Code, region.Err.Trim()), Is.EqualTo((2, "error: with --region, give each person's photo or profile in their --region (X,Y,W,H:photo.jpg), not --face/--profile/--pose/--pose-keypoints")));
            Assert.That(File.Exists(output), Is.False);
        }

        [Test]
        public void From_ThenRegionsOrFace_ReplaceTheSavedIdentity()
        {
            var single = Generate("single.png", "--seed", "3");
            var twoPath = Path.Combine(_dir, "two.png");
            var (code, _, err) = Run("generate", "--from", single, "--region", $"0,0,32,64:{Face}", "--region", $"32,0,32,64:{Face}", "--output", twoPath);
            Assert.That(code, Is.EqualTo(0), err);
            var two = GenerationMetadata.ReadRequest(twoPath);
            Assert.That((two.Regions.Count, two.FacePhotoPaths.Count, two.Seed), Is.EqualTo((2, 0, (long?)3)));
            var backPath = Path.Combine(_dir, "back.png");
            (code, _, err) = Run("generate", "--from", twoPath, "--face", Face, "--output", backPath);
            Assert.That(code, Is.EqualTo(0), err);
            var back = GenerationMetadata.ReadRequest(backPath);
            Assert.That((back.Regions.Count, back.FacePhotoPaths.Count), Is.EqualTo((0, 1)));
        }

        [Test]
        public void FromWithATemplatePreset_NeedsAPrompt_AndThenAppliesTheTemplateOnce()
        {
            var fantasy = Generate("fantasy.png", "--preset", "npc-fantasy", "--width", "64", "--height", "64", "--seed", "2");
            var output = Path.Combine(_dir, "scifi.png");
            var bare = Run("generate", "--from", fantasy, "--preset", "npc-scifi", "--width", "64", "--height", "64", "--output", output);
            Assert.That((bare.Code, bare.Err.Trim()), Is.EqualTo((2, "error: with --from and --preset npc-scifi, give --prompt too: the saved prompt already has its preset's template")));
            var (code, _, err) = Run("generate", "--from", fantasy, "--preset", "npc-scifi", "--prompt", "a ranger", "--width", "64", "--height", "64", "--output", output);
            Assert.That(code, Is.EqualTo(0), err);
            Assert.That(GenerationMetadata.ReadRequest(output).Prompt, Does.StartWith("sci-fi character portrait of a ranger,"));
        }

        [Test]
        public void FromAtAnotherSize_ScalesTheSavedPoseAndRegions()
        {
            var request = new GenerationRequest
            {
                Width = 128, Height = 256, PoseKeypoints = new[] { 10f, 20, 30, 20, 20, 30, 12, 40, 28, 40 },
                Regions = { new IdentityRegionRequest { X = 10, Y = 20, Width = 30, Height = 40, PoseKeypoints = new[] { 1f, 2, 3, 4, 5, 6, 7, 8, 9, 10 } } },
            };
            GenerateCommand.ResizeSavedLayout(request, 64, 64);
            Assert.That(request.PoseKeypoints, Is.EqualTo(new[] { 20f, 80, 60, 80, 40, 120, 24, 160, 56, 160 }));
            var r = request.Regions[0];
            Assert.That((r.X, r.Y, r.Width, r.Height), Is.EqualTo((20, 80, 60, 160)));
            Assert.That(r.PoseKeypoints, Is.EqualTo(new[] { 2f, 8, 6, 16, 10, 24, 14, 32, 18, 40 }));
            var same = new GenerationRequest { Width = 64, Height = 64, PoseKeypoints = new[] { 1f, 2, 3, 4, 5, 6, 7, 8, 9, 10 } };
            GenerateCommand.ResizeSavedLayout(same, 64, 64);
            Assert.That(same.PoseKeypoints, Is.EqualTo(new[] { 1f, 2, 3, 4, 5, 6, 7, 8, 9, 10 }));
        }

        [Test]
        public void Analyze_PrintsTheJsonSchema_AndWritesTheAnnotatedImage()
        {
            var annotated = Path.Combine(_dir, "faces.png");
            var (code, stdout, err) = Run("analyze", "--image", Face, "--annotated", annotated);
            Assert.That(code, Is.EqualTo(0), err);
            var json = JObject.Parse(stdout.Substring(0, stdout.LastIndexOf('}') + 1));
            Assert.That(json.Properties().Select(p => p.Name), Is.EqualTo(new[] { "image", "width", "height", "faces_found", "ignored_small_faces", "largest_index", "faces" }));
            Assert.That((int)json["faces_found"]!, Is.EqualTo(1));
            var face = (JObject)json["faces"]![0]!;
            Assert.That(face.Properties().Select(p => p.Name), Is.EqualTo(new[] { "box", "score", "keypoints", "embedding_norm" }));
            Assert.That(face["keypoints"]!.Count(), Is.EqualTo(5));
            Assert.That(File.Exists(annotated), Is.True);
        }

        [Test]
        public void ProfileCreateThenGenerateFromIt_MatchesThePhoto()
        {
            var profile = Path.Combine(_dir, "astro.iidprofile");
            var (code, _, err) = Run("profile", "create", "--face", Face, "--output", profile);
            Assert.That(code, Is.EqualTo(0), err);
            var (showCode, shown, _) = Run("profile", "show", profile);
            Assert.That(showCode, Is.EqualTo(0));
            Assert.That((string?)JObject.Parse(shown)["name"], Is.EqualTo("astro"));
            var fromPhoto = File.ReadAllBytes(Generate("photo.png", "--seed", "3"));
            var outPath = Path.Combine(_dir, "profile.png");
            var (genCode, _, genErr) = Run("generate", "--profile", profile, "--prompt", "a portrait", "--steps", "3", "--seed", "3", "--output", outPath);
            Assert.That(genCode, Is.EqualTo(0), genErr);
            using var a = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(Path.Combine(_dir, "photo.png"));
            using var b = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(outPath);
            var pa = new byte[64 * 64 * 3]; var pb = new byte[64 * 64 * 3];
            a.CopyPixelDataTo(pa); b.CopyPixelDataTo(pb);
            Assert.That(pb, Is.EqualTo(pa));
        }

        [Test]
        public void Validate_PassesTheTinySet_AndFailsABrokenOne()
        {
            var (ok, stdout, _) = Run("validate");
            Assert.That(ok, Is.EqualTo(0));
            Assert.That(stdout, Does.Contain("ok:").And.Contain("9 models"));
            var broken = Path.Combine(_dir, "set");
            foreach (var file in Directory.GetFiles(TinySet, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".meta")))
            {
                var target = Path.Combine(broken, Path.GetRelativePath(TinySet, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
            File.Delete(Path.Combine(broken, "unet", "model.onnx"));
            var (code, _, err) = Run("validate", "--models", broken);
            Assert.That(code, Is.EqualTo(1));
            Assert.That(err, Does.StartWith("error: The model set at").And.Contain("unet/model.onnx is missing"));
            Assert.That(err, Does.Not.Contain("   at "), "no stack trace without --verbose");
        }

        [Test]
        public void BadArguments_GiveAClearMessageAndANonZeroExit()
        {
            var noFace = Run("generate", "--prompt", "x", "--output", Path.Combine(_dir, "x.png"));
            Assert.That((noFace.Code, noFace.Err), Is.EqualTo((2, "error: give a face photo (--face photo.jpg), a profile (--profile ada.iidprofile) or --region X,Y,W,H:photo.jpg per person" + Environment.NewLine)));
            var zeroSteps = Run("generate", "--face", Face, "--prompt", "x", "--steps", "0", "--output", Path.Combine(_dir, "x.png"));
            Assert.That(zeroSteps.Code, Is.EqualTo(1));
            Assert.That(zeroSteps.Err, Does.Contain("Steps must be 1..1000"));
            Assert.That(Run("generate", "--face", Path.Combine(_dir, "missing.jpg"), "--prompt", "x", "--output", Path.Combine(_dir, "x.png")).Code, Is.EqualTo(1));
            Assert.That(Run("generate", "--face", Face).Code, Is.Not.EqualTo(0), "missing --output");
            Assert.That(Run("frobnicate").Code, Is.Not.EqualTo(0));
            Assert.That(File.Exists(Path.Combine(_dir, "x.png")), Is.False, "nothing written on failure");
        }

        [Test]
        public void Bench_WithAModelSetOutsideTheFixtures_StillFindsTheBundledFace()
        {
            var set = Path.Combine(_dir, "set");
            foreach (var file in Directory.GetFiles(TinySet, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".meta", StringComparison.Ordinal)))
            {
                var target = Path.Combine(set, Path.GetRelativePath(TinySet, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
            var (code, _, err) = Run("bench", "--models", set, "--steps", "1", "--runs", "1", "--warmup", "0");
            Assert.That(code, Is.EqualTo(0), err);
        }

        [Test]
        public void Bench_PrintsAStageTable_AndJson()
        {
            var json = Path.Combine(_dir, "bench.json");
            var (code, stdout, err) = Run("bench", "--steps", "2", "--runs", "1", "--warmup", "0", "--face", Face, "--json", json);
            Assert.That(code, Is.EqualTo(0), err);
            Assert.That(stdout, Does.Contain("Denoising").And.Contain("per denoising step").And.Contain("host per step (outside models)").And.Contain("% of a step"));
            var doc = JObject.Parse(File.ReadAllText(json));
            Assert.That((double)doc["median_ms"]!["Denoising"]!, Is.GreaterThan(0));
        }
    }
}
