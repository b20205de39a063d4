using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Profiles;
using Newtonsoft.Json;

namespace InstantIdAvatars.Authoring
{
    /// <summary>Where the identity of a generation comes from.</summary>
    public enum IdentitySource
    {
        /// <summary>One or more face photos of the person (several = multi-reference).</summary>
        Photos,
        /// <summary>A saved identity profile (.iidprofile).</summary>
        Profile,
    }

    /// <summary>
    /// What the generator window edits: identity, prompt, preset and the settings a user may override. Unset
    /// (null) settings come from the preset, or from <see cref="GenerationRequest"/>'s defaults without one.
    /// <see cref="Validate"/> gives per-field messages for the UI; <see cref="BuildRequest"/> makes the request:
    /// the preset first, then every value the user set explicitly. Serialisable to JSON so a window can keep it
    /// across domain reloads (<see cref="ToJson"/> / <see cref="FromJson"/>). Not thread-safe (main-thread UI state).
    /// </summary>
    public sealed class GeneratorSession
    {
        /// <summary>Largest seed drawn for "random" (A1111's range, so seeds can be typed back in).</summary>
        public const long MaxRandomSeed = uint.MaxValue;

        /// <summary>Scheduler short names the pipeline knows (see <see cref="GenerationRequest.Scheduler"/>).</summary>
        public static readonly IReadOnlyList<string> KnownSchedulers = Schedulers.SchedulerFactory.ShortNames;

        static readonly string[] PhotoExtensions = { ".png", ".jpg", ".jpeg", ".bmp", ".tga", ".webp", ".gif", ".tif", ".tiff" };

        Random _random = new Random();

        /// <summary>Photos or a profile.</summary>
        public IdentitySource Source { get; set; } = IdentitySource.Photos;

        /// <summary>Face photo files (used when <see cref="Source"/> is Photos).</summary>
        public List<string> PhotoPaths { get; set; } = new List<string>();

        /// <summary>Identity profile file (used when <see cref="Source"/> is Profile).</summary>
        public string ProfilePath { get; set; } = "";

        /// <summary>How several photos combine (paper's multi-reference).</summary>
        public InstantIdAvatars.Faces.MultiReferenceMode Combine { get; set; } = InstantIdAvatars.Faces.MultiReferenceMode.Average;

        /// <summary>The user's prompt; a preset's template wraps it ("{prompt}").</summary>
        public string Prompt { get; set; } = "";

        /// <summary>Negative prompt; null keeps the preset's (or none).</summary>
        public string? NegativePrompt { get; set; }

        /// <summary>Name of a preset in <see cref="Presets"/>; "" for none.</summary>
        public string PresetName { get; set; } = "portrait";

        /// <summary>Draw a new seed for every request (the seed used is shown in the gallery).</summary>
        public bool RandomSeed { get; set; } = true;

        /// <summary>The seed when <see cref="RandomSeed"/> is off.</summary>
        public long Seed { get; set; } = 42;

        public int? Steps { get; set; }
        public float? GuidanceScale { get; set; }
        public float? IpAdapterScale { get; set; }
        public float? IdentityNetScale { get; set; }
        public float? IdentityNetStart { get; set; }
        public float? IdentityNetEnd { get; set; }
        /// <summary>Output width in pixels (multiple of 8); null = preset's or the model set's default.</summary>
        public int? Width { get; set; }
        public int? Height { get; set; }
        /// <summary>Scheduler short name; null = preset's or the model set's.</summary>
        public string? Scheduler { get; set; }

        /// <summary>The presets the session chooses from (default: the built-in ones).</summary>
        [JsonIgnore] public IReadOnlyList<GenerationPreset> Presets { get; set; } = GenerationPreset.BuiltIn;

        /// <summary>Draws random seeds (replace to make tests or batches reproducible).</summary>
        [JsonIgnore] public Func<long> SeedSource { get; set; }

        /// <summary>Creates a session with the "portrait" preset and a random seed.</summary>
        public GeneratorSession() => SeedSource = NextRandomSeed;

        long NextRandomSeed()
        {
            var bytes = new byte[4];
            lock (_random) _random.NextBytes(bytes);
            return BitConverter.ToUInt32(bytes, 0);
        }

        /// <summary>The selected preset, or null for none; throws when the name is unknown.</summary>
        public GenerationPreset? FindPreset()
        {
            if (string.IsNullOrWhiteSpace(PresetName)) return null;
            return Presets.FirstOrDefault(p => string.Equals(p.Name, PresetName, StringComparison.OrdinalIgnoreCase))
                   ?? throw new InstantIdException($"There is no preset named '{PresetName}'. Presets: {string.Join(", ", Presets.Select(p => p.Name))}.");
        }

        /// <summary>
        /// The request as it would run, without checks and without drawing a seed (Seed is null when random):
        /// for showing effective values next to fields the user did not override.
        /// </summary>
        public GenerationRequest PreviewRequest()
        {
            GenerationPreset? preset = null;
            try { preset = FindPreset(); }
            catch (InstantIdException) { /* Validate reports the unknown preset */ }
            return Compose(preset, RandomSeed ? (long?)null : Seed);
        }

        GenerationRequest Compose(GenerationPreset? preset, long? seed)
        {
            var r = new GenerationRequest { Prompt = Prompt ?? "", Combine = Combine };
            if (Source == IdentitySource.Photos) r.FacePhotoPaths = (PhotoPaths ?? new List<string>()).Where(p => !string.IsNullOrWhiteSpace(p)).ToList();
            else r.ProfilePath = string.IsNullOrWhiteSpace(ProfilePath) ? null : ProfilePath;

            // Preset first (its template wraps the user's prompt), then whatever the user set explicitly.
            preset?.ApplyTo(r);
            if (NegativePrompt != null) r.NegativePrompt = NegativePrompt;
            if (Steps.HasValue) r.Steps = Steps.Value;
            if (GuidanceScale.HasValue) r.GuidanceScale = GuidanceScale.Value;
            if (IpAdapterScale.HasValue) r.IpAdapterScale = IpAdapterScale.Value;
            if (IdentityNetScale.HasValue) r.IdentityNetScale = IdentityNetScale.Value;
            if (IdentityNetStart.HasValue) r.IdentityNetStart = IdentityNetStart.Value;
            if (IdentityNetEnd.HasValue) r.IdentityNetEnd = IdentityNetEnd.Value;
            if (Width.HasValue) r.Width = Width.Value;
            if (Height.HasValue) r.Height = Height.Value;
            if (Scheduler != null) r.Scheduler = string.IsNullOrWhiteSpace(Scheduler) ? null : Scheduler.Trim();
            r.Seed = seed;
            return r;
        }

        /// <summary>
        /// Builds the request to queue: the preset's values, then the explicit ones, then the seed (a new random
        /// one when <see cref="RandomSeed"/> is on, so the request always reproduces its image). Throws
        /// <see cref="InvalidRequestException"/> listing every error of <see cref="Validate"/>.
        /// </summary>
        public GenerationRequest BuildRequest()
        {
            var errors = Validate().Where(m => m.IsError).Select(m => m.Text).ToArray();
            if (errors.Length > 0) throw new InvalidRequestException(errors);
            var request = Compose(FindPreset(), RandomSeed ? SeedSource() : Seed);
            request.Validate();
            return request;
        }

        /// <summary>True when <see cref="Validate"/> has no errors (warnings allowed).</summary>
        public bool CanGenerate => !Validate().Any(m => m.IsError);

        /// <summary>Messages of one field (for the help box under it).</summary>
        public IReadOnlyList<FieldMessage> MessagesFor(string field) => Validate().Where(m => m.Field == field).ToArray();

        /// <summary>
        /// Checks the form, field by field, on the values that would run (preset applied, then explicit ones).
        /// Errors block generation; warnings say what will look or run badly.
        /// </summary>
        public IReadOnlyList<FieldMessage> Validate()
        {
            var m = new List<FieldMessage>();
            void Error(string field, string text) => m.Add(new FieldMessage(field, MessageSeverity.Error, text));
            void Warn(string field, string text) => m.Add(new FieldMessage(field, MessageSeverity.Warning, text));

            CheckIdentity(Error, Warn);

            GenerationPreset? preset = null;
            try { preset = FindPreset(); }
            catch (InstantIdException e) { Error(GeneratorField.Preset, e.Message); }

            if (string.IsNullOrWhiteSpace(Prompt))
                Warn(GeneratorField.Prompt, "The prompt is empty: only the preset's template describes the image. Describe the person and the scene.");

            if (!RandomSeed && Seed < 0)
                Error(GeneratorField.Seed, $"The seed must be 0 or more, found {Seed}; or tick Random.");

            var r = Compose(preset, RandomSeed ? (long?)null : Seed);
            if (r.Steps < 1 || r.Steps > 1000) Error(GeneratorField.Steps, $"Steps must be 1..1000, found {r.Steps}.");
            else if (r.Steps > 150) Warn(GeneratorField.Steps, $"{r.Steps} steps is slow and rarely better than 30–50.");
            if (!(r.GuidanceScale >= 0 && r.GuidanceScale <= 50)) Error(GeneratorField.Guidance, $"Guidance (CFG) must be 0..50, found {F(r.GuidanceScale)}.");
            else if (r.GuidanceScale > 15) Warn(GeneratorField.Guidance, $"Guidance {F(r.GuidanceScale)} oversaturates SDXL images; InstantID's demo uses 5.");
            if (!(r.IpAdapterScale >= 0 && r.IpAdapterScale <= 5)) Error(GeneratorField.IpAdapterScale, $"IP-Adapter scale must be 0..5, found {F(r.IpAdapterScale)}.");
            if (!(r.IdentityNetScale >= 0 && r.IdentityNetScale <= 5)) Error(GeneratorField.IdentityNetScale, $"IdentityNet scale must be 0..5, found {F(r.IdentityNetScale)}.");
            if (!(r.IdentityNetStart >= 0 && r.IdentityNetStart < r.IdentityNetEnd && r.IdentityNetEnd <= 1))
                Error(GeneratorField.IdentityNetWindow, $"The IdentityNet window must satisfy 0 ≤ start < end ≤ 1, found {F(r.IdentityNetStart)}..{F(r.IdentityNetEnd)}.");
            CheckSize(r, Error, Warn);
            // what SchedulerFactory accepts: short names and diffusers class names (a result's Settings carry the
            // set's class name), case-insensitive
            if (r.Scheduler != null && !KnownSchedulers.Concat(Schedulers.SchedulerFactory.ClassNames).Contains(r.Scheduler, StringComparer.OrdinalIgnoreCase))
                Error(GeneratorField.Scheduler, $"Unknown scheduler '{r.Scheduler}'. Use one of: {string.Join(", ", KnownSchedulers)}, or leave it empty for the model set's.");
            return m;
        }

        void CheckIdentity(Action<string, string> error, Action<string, string> warn)
        {
            const string field = GeneratorField.Identity;
            if (Source == IdentitySource.Photos)
            {
                var paths = (PhotoPaths ?? new List<string>()).Where(p => !string.IsNullOrWhiteSpace(p)).ToList();
                if (paths.Count == 0) { error(field, "Add at least one face photo (or switch to an identity profile)."); return; }
                if (paths.Count > IdentityProfileFile.MaxPhotos) error(field, $"{paths.Count} photos given; at most {IdentityProfileFile.MaxPhotos} are used for one identity.");
                foreach (var p in paths)
                {
                    if (!File.Exists(p)) error(field, $"The photo '{p}' does not exist.");
                    else if (!PhotoExtensions.Contains(Path.GetExtension(p).ToLowerInvariant()))
                        warn(field, $"'{Path.GetFileName(p)}' does not look like an image file (PNG or JPEG expected).");
                }
                if (paths.Distinct(StringComparer.OrdinalIgnoreCase).Count() != paths.Count)
                    warn(field, "The same photo is listed twice; it then weighs double in the identity.");
            }
            else
            {
                if (string.IsNullOrWhiteSpace(ProfilePath)) error(field, "Choose an identity profile file (.iidprofile), or switch to photos.");
                else if (!File.Exists(ProfilePath)) error(field, $"The profile '{ProfilePath}' does not exist.");
                else if (!string.Equals(Path.GetExtension(ProfilePath), IdentityProfileFile.Extension, StringComparison.OrdinalIgnoreCase))
                    warn(field, $"'{Path.GetFileName(ProfilePath)}' does not have the {IdentityProfileFile.Extension} extension; is it a profile?");
            }
        }

        static void CheckSize(GenerationRequest r, Action<string, string> error, Action<string, string> warn)
        {
            const string field = GeneratorField.Size;
            bool bad = false;
            foreach (var (name, v) in new[] { ("Width", r.Width), ("Height", r.Height) })
            {
                // 0 = the model set's default size (only reachable without a preset or override)
                if (v == 0) continue;
                if (v < 64 || v > 4096 || v % 8 != 0) { error(field, $"{name} must be a multiple of 8 from 64 to 4096, found {v}."); bad = true; }
            }
            if (bad || r.Width == 0 || r.Height == 0) return;
            // SDXL was trained on ~1 megapixel buckets; far from that, faces and anatomy break down.
            double megapixels = (double)r.Width * r.Height / (1024.0 * 1024.0);
            if (megapixels < 0.5 || megapixels > 2.0)
                warn(field, $"{r.Width}×{r.Height} is {megapixels.ToString("0.##", CultureInfo.InvariantCulture)} MP; SDXL works best near 1 MP (e.g. 1024×1024, 832×1216).");
        }

        static string F(float v) => v.ToString("0.###", CultureInfo.InvariantCulture);

        static readonly JsonSerializerSettings JsonSettings = new JsonSerializerSettings
        {
            Culture = CultureInfo.InvariantCulture,
            MaxDepth = 16,
            ObjectCreationHandling = ObjectCreationHandling.Replace,
        };

        /// <summary>The session's fields as JSON (for EditorPrefs / SessionState).</summary>
        public string ToJson() => JsonConvert.SerializeObject(this, Formatting.None, JsonSettings);

        /// <summary>A session from <see cref="ToJson"/>; throws <see cref="InstantIdException"/> for invalid JSON.</summary>
        public static GeneratorSession FromJson(string json)
        {
            try
            {
                var session = JsonConvert.DeserializeObject<GeneratorSession>(json, JsonSettings)
                              ?? throw new InstantIdException("The saved generator settings are empty.");
                session.PhotoPaths ??= new List<string>();
                session.ProfilePath ??= "";
                session.Prompt ??= "";
                session.PresetName ??= "";
                return session;
            }
            catch (JsonException e)
            {
                throw new InstantIdException("The saved generator settings are not valid JSON (" + e.Message + "); reset the window's settings.", e);
            }
        }
    }
}
