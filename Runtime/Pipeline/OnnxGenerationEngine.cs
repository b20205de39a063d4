using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Numerics;
using System.Security.Cryptography;
using System.Threading;
using InstantIdAvatars.Diffusion;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Identity;
using InstantIdAvatars.Imaging;
using InstantIdAvatars.Models;
using InstantIdAvatars.Profiles;
using InstantIdAvatars.Schedulers;
using InstantIdAvatars.Text;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace InstantIdAvatars.Pipeline
{
    /// <summary>
    /// The real engine: face photo(s) → ArcFace embedding → identity tokens; keypoints → landmark map; prompt →
    /// SDXL text conditioning; then InstantID's denoising loop and the VAE. Runs on the generator's worker thread
    /// only. Sessions load on first use and stay loaded, or (low-VRAM mode) load per stage and are released after it.
    /// </summary>
    sealed class OnnxGenerationEngine : IGenerationEngine
    {
        readonly ModelSet _set;
        readonly GeneratorOptions _options;
        readonly OrtSessionFactory _factory;
        readonly Dictionary<ModelKind, InferenceSession> _sessions = new Dictionary<ModelKind, InferenceSession>();
        readonly Dictionary<string, InferenceSession> _extraSessions = new Dictionary<string, InferenceSession>();
        readonly PromptEmbeddingCache _promptCache;
        readonly LinkedList<(string Key, IdentityTokens Tokens)> _identityCache = new LinkedList<(string, IdentityTokens)>();
        ClipTokenizer? _tokenizer1, _tokenizer2;
        readonly string _setId;

        public OnnxGenerationEngine(string modelSetFolder, GeneratorOptions options)
        {
            _options = options;
            _set = ModelSet.Open(modelSetFolder);
            _factory = new OrtSessionFactory(options.Sessions);
            _promptCache = new PromptEmbeddingCache(Math.Max(1, options.PromptCacheSize));
            _setId = _set.Folder;
        }

        /// <summary>The model set this engine runs.</summary>
        public ModelSet ModelSet => _set;

        public GenerationResult Generate(GenerationRequest request, Action<GenerationProgress> report, CancellationToken ct)
        {
            // A request that fails or is cancelled part-way (no face in a photo, a bad file) must not leave its stage's
            // sessions loaded: low-VRAM mode promises nothing stays resident between requests.
            try { return GenerateCore(request, report, ct); }
            catch (OnnxRuntimeException e) when (e.Message.IndexOf("invalid dimensions", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                // Exports with fixed spatial axes (the tiny sets, some hand-made exports) run only at their own size.
                int w = request.Width == 0 ? _set.Index.DefaultWidth : request.Width, h = request.Height == 0 ? _set.Index.DefaultHeight : request.Height;
                throw new InstantIdException($"A model of the set at '{_set.Folder}' rejected a tensor shape at {w}×{h} ({e.Message.Trim()}). "
                    + $"Generate at the set's default size {_set.Index.DefaultWidth}×{_set.Index.DefaultHeight} (Width = Height = 0) or a size its models were exported for; "
                    + "if that fails too, check the set with `instantid validate`.", e);
            }
            finally { if (_options.LowVram) ReleaseAll(); }
        }

        GenerationResult GenerateCore(GenerationRequest request, Action<GenerationProgress> report, CancellationToken ct)
        {
            var timings = new Dictionary<GenerationStage, TimeSpan>();
            var notes = new List<string>();
            var clock = Stopwatch.StartNew();
            void Mark(GenerationStage stage) { timings[stage] = clock.Elapsed; clock.Restart(); }

            if (request.IsWarmUp)
            {
                report(new GenerationProgress(GenerationStage.LoadingModels));
                if (!_options.LowVram)
                    foreach (var kind in new[] { ModelKind.FaceDetector, ModelKind.FaceRecognizer, ModelKind.TextEncoder, ModelKind.TextEncoder2,
                                 ModelKind.ImageProjection, ModelKind.ControlNet, ModelKind.UNet, ModelKind.VaeDecoder })
                        Session(kind);
                Tokenizers();
                Mark(GenerationStage.LoadingModels);
                return new GenerationResult(new Image<Rgb24>(1, 1), request, timings, new[] { "warm-up: models loaded" });
            }

            var settings = Resolve(request);
            int width = settings.Width, height = settings.Height;
            bool cfg = InstantIdDenoiser.UsesGuidance(settings.GuidanceScale);

            // Faces: identity embeddings and the keypoints that set the pose
            ct.ThrowIfCancellationRequested();
            report(new GenerationProgress(GenerationStage.FaceAnalysis));
            var regions = Regions(settings, width, height, notes);
            var identity = regions.Count > 0 ? regions[0].Identity : Identity(settings, notes);
            var keypoints = regions.Count > 0 ? regions[0].Keypoints : Pose(settings, identity, width, height, notes);
            var controlImage = LandmarkMapRenderer.RenderTensor(keypoints, width, height);
            // the resolved settings carry the exact points, so feeding them back reproduces the image
            if (regions.Count == 0) settings.PoseKeypoints = PoseKeypoints.Flatten(keypoints);
            settings.PosePhotoPath = null;
            settings.PoseImage = null;
            var faceMask = settings.FaceRegionMask ? FaceRegionMask(settings, regions.Count > 0 ? regions.Select(r => r.Keypoints) : new[] { keypoints }, width, height) : null;
            var extras = ExtraControlImages(settings, width, height);
            ReleaseStage(ModelKind.FaceDetector, ModelKind.FaceRecognizer);
            Mark(GenerationStage.FaceAnalysis);

            // Text
            ct.ThrowIfCancellationRequested();
            report(new GenerationProgress(GenerationStage.TextEncoding));
            var prompt = EncodePrompt(settings, cfg);
            if (string.IsNullOrEmpty(settings.NegativePrompt) && !string.IsNullOrEmpty(settings.NegativePrompt2))
                notes.Add("NegativePrompt2 was ignored: without a NegativePrompt the negative side is SDXL's zero embedding (as diffusers); set NegativePrompt too");
            if (!cfg && !string.IsNullOrEmpty(settings.NegativePrompt))
                notes.Add($"the negative prompt has no effect at guidance {settings.GuidanceScale} (classifier-free guidance needs a scale above 1)");
            ReleaseStage(ModelKind.TextEncoder, ModelKind.TextEncoder2);
            Mark(GenerationStage.TextEncoding);

            // Identity tokens (Resampler)
            ct.ThrowIfCancellationRequested();
            report(new GenerationProgress(GenerationStage.IdentityTokens));
            var tokens = IdentityTokensFor(identity.Embeddings, identity.TokenCount, cfg);
            var regionTokens = regions.Select(r => IdentityTokensFor(r.Identity.Embeddings, r.Identity.TokenCount, cfg)).ToList();
            ReleaseStage(ModelKind.ImageProjection);
            Mark(GenerationStage.IdentityTokens);

            // img2img start latents
            var initLatents = settings.InitImage != null || settings.InitImagePath != null ? EncodeInitImage(settings, width, height) : null;

            // Denoising + VAE
            ct.ThrowIfCancellationRequested();
            var scheduler = SchedulerFactory.Create(settings.Scheduler, SchedulerConfig.FromJson(_set.Index.Scheduler));
            var denoise = new DenoiseRequest
            {
                Width = width, Height = height, Steps = settings.Steps, GuidanceScale = settings.GuidanceScale,
                PromptEmbeds = prompt.Conditional.Embeds, PooledPromptEmbeds = prompt.Conditional.Pooled,
                NegativePromptEmbeds = prompt.Unconditional?.Embeds, NegativePooledPromptEmbeds = prompt.Unconditional?.Pooled,
                IdentityTokens = tokens.Conditional, UnconditionalIdentityTokens = tokens.Unconditional,
                ControlImage = controlImage, ControlNetScale = settings.IdentityNetScale,
                ControlGuidanceStart = settings.IdentityNetStart, ControlGuidanceEnd = settings.IdentityNetEnd,
                IpAdapterScale = settings.IpAdapterScale, Seed = settings.Seed!.Value, Preview = settings.Previews,
                InitLatents = initLatents, Strength = settings.Strength ?? 0.8, IdentityNetMask = faceMask,
            };
            for (int i = 0; i < regions.Count; i++)
                denoise.Regions.Add(new IdentityRegion(regionTokens[i].Conditional, regionTokens[i].Unconditional,
                    LandmarkMapRenderer.RenderTensor(regions[i].Keypoints, width, height), regions[i].Mask));
            var runners = new List<IDisposable>();
            try
            {
                var unet = Track(runners, new UNetRunner(Session(ModelKind.UNet)));
                var identityNet = Track(runners, new ControlNetRunner(Session(ModelKind.ControlNet)));
                foreach (var (control, image) in extras)
                {
                    var runner = Track(runners, new ControlNetRunner(ExtraSession(control.Name), ModelContract.ExtraControlNetPrefix + control.Name));
                    denoise.ExtraControlNets.Add(new ExtraControlNet(runner, image, control.Scale) { GuidanceStart = control.Start, GuidanceEnd = control.End });
                }
                var vae = Track(runners, new VaeDecoder(Session(ModelKind.VaeDecoder)));
                var denoiser = new InstantIdDenoiser(unet, identityNet, vae, _set.Index.VaeScalingFactor);
                bool decoding = false;
                var result = denoiser.Run(denoise, scheduler, step =>
                {
                    Image<Rgb24>? preview = step.Preview == null ? null
                        : Image.LoadPixelData<Rgb24>(step.Preview, step.LatentWidth, step.LatentHeight);
                    report(new GenerationProgress(GenerationStage.Denoising, step.Step + 1, step.TotalSteps, step.Timestep, preview));
                    if (step.Step + 1 == step.TotalSteps && !decoding)
                    {
                        decoding = true;
                        Mark(GenerationStage.Denoising);
                        report(new GenerationProgress(GenerationStage.Decoding));
                    }
                }, ct);
                Mark(GenerationStage.Decoding);
                report(new GenerationProgress(GenerationStage.Done));
                return new GenerationResult(result.ToImage(), settings, timings, notes)
                {
                    HostTimePerStep = result.HostTimePerStep,
                    StepTime = result.Steps == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(result.LoopTime.Ticks / result.Steps),
                };
            }
            catch (OnnxRuntimeException e) when (OrtSessionFactory.IsOutOfMemory(e))
            {
                throw new GpuOutOfMemoryException($"denoising at {width}×{height}", e);
            }
            finally
            {
                foreach (var r in runners) r.Dispose();
                ReleaseStage(ModelKind.UNet, ModelKind.ControlNet, ModelKind.VaeDecoder);
                if (_options.LowVram) ReleaseExtras();
            }
        }

        public FaceAnalysis AnalyzeFaces(Image<Rgb24> image)
        {
            try { return Analyzer().Analyze(image); }
            finally { ReleaseStage(ModelKind.FaceDetector, ModelKind.FaceRecognizer); }
        }

        public IdentityProfile CreateProfile(IReadOnlyList<(string Label, Image<Rgb24> Image)> photos, string name)
        {
            try { return IdentityProfileBuilder.Build(Analyzer(), photos, name); }
            finally { ReleaseStage(ModelKind.FaceDetector, ModelKind.FaceRecognizer); }
        }

        static T Track<T>(List<IDisposable> list, T item) where T : IDisposable
        {
            list.Add(item);
            return item;
        }

        /// <summary>Fills in what the request left to defaults: size, seed, scheduler.</summary>
        GenerationRequest Resolve(GenerationRequest request)
        {
            var s = request.Clone();
            if (s.Width == 0) s.Width = _set.Index.DefaultWidth;
            if (s.Height == 0) s.Height = _set.Index.DefaultHeight;
            if (s.Seed == null)
            {
                var bytes = new byte[8];
                using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
                s.Seed = (long)(BitConverter.ToUInt64(bytes, 0) >> 11); // 53 bits: exact as a JSON/JS number
            }
            s.Scheduler ??= (string?)_set.Index.Scheduler["_class_name"];
            if (s.InitImage != null || s.InitImagePath != null) s.Strength ??= 0.8; // diffusers' img2img default
            return s;
        }

        sealed class IdentityInput
        {
            public float[] Embeddings = Array.Empty<float>();
            public int TokenCount;
            public Vector2[]? Keypoints;
            public int SourceWidth, SourceHeight;
        }

        IdentityInput Identity(GenerationRequest r, List<string> notes)
        {
            var embeddings = new List<float[]>();
            var input = new IdentityInput();
            var profile = r.Profile ?? (r.ProfilePath != null ? IdentityProfileFile.Load(r.ProfilePath) : null);
            if (profile != null)
            {
                profile.Validate();
                embeddings.AddRange(profile.Embeddings);
                if (profile.Keypoints.Count > 0 && profile.Sources.Count > 0 && profile.Sources[0].ImageWidth > 0 && profile.Sources[0].ImageHeight > 0)
                {
                    input.Keypoints = PoseKeypoints.FromFlat(profile.Keypoints[0]);
                    input.SourceWidth = profile.Sources[0].ImageWidth;
                    input.SourceHeight = profile.Sources[0].ImageHeight;
                }
            }
            else
            {
                var analyzer = Analyzer();
                var images = r.FaceImages.Select(i => (Label: "image", Image: i, Owned: false)).ToList();
                try
                {
                    // loaded inside the try: a later photo that fails to load must not leak the earlier ones
                    foreach (var path in r.FacePhotoPaths) images.Add((System.IO.Path.GetFileName(path), ImageLoader.Load(path), true));
                    foreach (var (label, image, _) in images)
                    {
                        var analysis = analyzer.Analyze(image);
                        if (analysis.HasSeveralFaces)
                            notes.Add($"{label}: {analysis.Faces.Count} faces found, used the largest (as InstantID does)");
                        embeddings.Add(analysis.Largest.Embedding!);
                        if (input.Keypoints == null)
                        {
                            input.Keypoints = analysis.Largest.Keypoints.ToArray();
                            input.SourceWidth = image.Width;
                            input.SourceHeight = image.Height;
                        }
                    }
                }
                finally
                {
                    foreach (var (_, image, owned) in images) if (owned) image.Dispose();
                }
            }
            input.Embeddings = IdentityEmbedding.Combine(embeddings, r.Combine, out input.TokenCount);
            if (embeddings.Count > 1)
            {
                var sims = IdentityEmbedding.SimilarityToMean(embeddings);
                notes.Add("photo similarity to the mean: " + string.Join(", ", sims.Select(v => v.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture))));
            }
            return input;
        }

        /// <summary>
        /// The five points that drive IdentityNet, in output pixels: explicit points (a pose rig), a pose photo's
        /// face, or — as InstantID's own demo — the identity photo's face, refitted to the output size.
        /// </summary>
        Vector2[] Pose(GenerationRequest r, IdentityInput identity, int width, int height, List<string> notes)
        {
            if (r.PoseKeypoints != null) return PoseKeypoints.FromFlat(r.PoseKeypoints);
            if (r.PoseImage != null || r.PosePhotoPath != null)
            {
                var image = r.PoseImage ?? ImageLoader.Load(r.PosePhotoPath!);
                try
                {
                    var face = Analyzer().Analyze(image).Largest;
                    return PoseKeypoints.Refit(face.Keypoints, image.Width, image.Height, width, height);
                }
                finally { if (r.PoseImage == null) image.Dispose(); }
            }
            if (identity.Keypoints != null)
                return PoseKeypoints.Refit(identity.Keypoints, identity.SourceWidth, identity.SourceHeight, width, height);
            notes.Add("the profile has no keypoints: used a centred frontal face layout");
            return PoseKeypoints.FromPoints(ArcFaceAligner.Template, width, height);
        }

        /// <summary>img2img: the start image at the output size → VAE latent mean × scaling factor.</summary>
        float[] EncodeInitImage(GenerationRequest r, int width, int height)
        {
            if (!_set.Has(ModelKind.VaeEncoder))
                throw new ModelSetException(_set.Folder, new[] { $"img2img (InitImagePath/InitImage) needs the VAE encoder '{ModelContract.Get(ModelKind.VaeEncoder).RelativePath}' (sample → latent_sample), which this set does not have; re-export the set with it, or remove the start image." });
            var image = r.InitImage ?? ImageLoader.Load(r.InitImagePath!);
            try
            {
                using var encoder = new VaeEncoder(Session(ModelKind.VaeEncoder));
                return encoder.Encode(image, width, height, _set.Index.VaeScalingFactor);
            }
            finally
            {
                if (r.InitImage == null) image.Dispose();
                ReleaseStage(ModelKind.VaeEncoder);
            }
        }

        /// <summary>Face-region refinement: IdentityNet's mask is the (feathered) face box of every face drawn.</summary>
        static float[] FaceRegionMask(GenerationRequest r, IEnumerable<Vector2[]> faces, int width, int height)
        {
            var mask = new float[width * height];
            foreach (var points in faces)
            {
                var box = RegionMasks.FaceBox(points);
                var one = RegionMasks.Box(width, height, box.X, box.Y, box.Width, box.Height, r.FaceRegionFeather * box.Width);
                for (int i = 0; i < mask.Length; i++) mask[i] = Math.Max(mask[i], one[i]);
            }
            return mask;
        }

        sealed class RegionInput
        {
            public IdentityInput Identity = null!;
            public Vector2[] Keypoints = Array.Empty<Vector2>();
            public float[] Mask = Array.Empty<float>();
        }

        /// <summary>Several identities: each region's embedding, its keypoints in output pixels and its feathered mask.</summary>
        List<RegionInput> Regions(GenerationRequest r, int width, int height, List<string> notes)
        {
            var list = new List<RegionInput>();
            foreach (var region in r.Regions)
            {
                if (region.X < 0 || region.Y < 0 || region.X + region.Width > width || region.Y + region.Height > height)
                    throw new InvalidRequestException(new[] { $"region ({region.X},{region.Y} {region.Width}×{region.Height}) must lie inside the {width}×{height} output" });
                var one = new GenerationRequest { Combine = r.Combine, ProfilePath = region.ProfilePath, Profile = region.Profile };
                if (region.FacePhotoPath != null) one.FacePhotoPaths.Add(region.FacePhotoPath);
                if (region.FaceImage != null) one.FaceImages.Add(region.FaceImage);
                var identity = Identity(one, notes);
                Vector2[] points;
                if (region.PoseKeypoints != null) points = PoseKeypoints.FromFlat(region.PoseKeypoints);
                else
                {
                    points = identity.Keypoints != null
                        ? PoseKeypoints.Refit(identity.Keypoints, identity.SourceWidth, identity.SourceHeight, region.Width, region.Height)
                        : PoseKeypoints.FromPoints(ArcFaceAligner.Template, region.Width, region.Height);
                    for (int i = 0; i < 5; i++) points[i] += new Vector2(region.X, region.Y);
                    region.PoseKeypoints = PoseKeypoints.Flatten(points);
                }
                list.Add(new RegionInput
                {
                    Identity = identity, Keypoints = points,
                    Mask = RegionMasks.Box(width, height, region.X, region.Y, region.Width, region.Height, r.RegionFeather),
                });
            }
            return list;
        }

        List<(ExtraControl Control, float[] Image)> ExtraControlImages(GenerationRequest r, int width, int height)
        {
            var list = new List<(ExtraControl, float[])>();
            foreach (var c in r.ExtraControls)
            {
                if (!_set.ExtraControlNets.Contains(c.Name))
                    throw new InstantIdException($"The request uses the ControlNet '{c.Name}', but the model set has {(_set.ExtraControlNets.Count == 0 ? "none" : string.Join(", ", _set.ExtraControlNets))}. Export it with --extra-controlnet {c.Name}=<checkpoint>.");
                var image = c.Image ?? ImageLoader.Load(c.ImagePath!);
                try
                {
                    using var resized = image.Clone(x => x.Resize(width, height));
                    list.Add((c, ControlImage.ToChw(resized)));
                }
                finally { if (c.Image == null) image.Dispose(); }
            }
            return list;
        }

        EncodedPrompt EncodePrompt(GenerationRequest r, bool cfg)
        {
            var (t1, t2) = Tokenizers();
            // An empty negative means "none": SDXL's zero unconditional embeddings, as the InstantID pipeline's default.
            var request = new SdxlPromptRequest(r.Prompt, r.Prompt2,
                string.IsNullOrEmpty(r.NegativePrompt) ? null : r.NegativePrompt, r.NegativePrompt2,
                r.PromptWeighting ? PromptWeightingMode.A1111 : PromptWeightingMode.None, cfg);
            return _promptCache.GetOrEncode(_setId, request, q =>
            {
                using var encoder = new SdxlTextEncoder(Session(ModelKind.TextEncoder), Session(ModelKind.TextEncoder2), t1, t2);
                return encoder.Encode(q);
            });
        }

        IdentityTokens IdentityTokensFor(float[] embeddings, int tokenCount, bool cfg)
        {
            var key = (cfg ? "cfg:" : "nocfg:") + tokenCount + ":" + Hash(embeddings);
            for (var node = _identityCache.First; node != null; node = node.Next)
                if (node.Value.Key == key)
                {
                    _identityCache.Remove(node);
                    _identityCache.AddFirst(node);
                    return node.Value.Tokens;
                }
            using var tokenizer = new IdentityTokenizer(Session(ModelKind.ImageProjection));
            var tokens = tokenizer.Encode(embeddings, cfg);
            _identityCache.AddFirst((key, tokens));
            while (_identityCache.Count > Math.Max(1, _options.IdentityCacheSize)) _identityCache.RemoveLast();
            return tokens;
        }

        static string Hash(float[] values)
        {
            var bytes = new byte[values.Length * 4];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            using var sha = SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(bytes));
        }

        FaceAnalyzer Analyzer() => new FaceAnalyzer(Session(ModelKind.FaceDetector), Session(ModelKind.FaceRecognizer),
            new FaceAnalyzerOptions { Detector = new ScrfdOptions { DetSize = _set.Index.FaceDetSize } });

        (ClipTokenizer, ClipTokenizer) Tokenizers()
        {
            _tokenizer1 ??= ClipTokenizer.FromFolder(_set.TokenizerFolder(1), ClipTokenizer.EndOfTextToken, ClipTextCleaning.OpenAiClip);
            _tokenizer2 ??= ClipTokenizer.FromFolder(_set.TokenizerFolder(2), ClipTokenizer.ExclamationPadToken, ClipTextCleaning.OpenAiClip);
            return (_tokenizer1, _tokenizer2);
        }

        InferenceSession Session(ModelKind kind)
        {
            if (!_sessions.TryGetValue(kind, out var session))
            {
                session = _set.CreateSession(kind, _factory);
                _sessions[kind] = session;
            }
            return session;
        }

        InferenceSession ExtraSession(string name)
        {
            if (!_extraSessions.TryGetValue(name, out var session))
            {
                session = _set.CreateExtraControlNetSession(name, _factory);
                _extraSessions[name] = session;
            }
            return session;
        }

        /// <summary>In low-VRAM mode a stage's sessions are released as soon as it is done.</summary>
        void ReleaseStage(params ModelKind[] kinds)
        {
            if (!_options.LowVram) return;
            foreach (var kind in kinds)
                if (_sessions.TryGetValue(kind, out var s))
                {
                    s.Dispose();
                    _sessions.Remove(kind);
                }
        }

        void ReleaseExtras()
        {
            foreach (var s in _extraSessions.Values) s.Dispose();
            _extraSessions.Clear();
        }

        /// <summary>Sessions currently loaded (for tests and the low-VRAM documentation).</summary>
        internal int LoadedSessionCount => _sessions.Count + _extraSessions.Count;

        void ReleaseAll()
        {
            foreach (var s in _sessions.Values) s.Dispose();
            _sessions.Clear();
            ReleaseExtras();
        }

        public void Dispose() => ReleaseAll();
    }
}
