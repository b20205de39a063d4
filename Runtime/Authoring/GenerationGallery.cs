using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using InstantIdAvatars.Pipeline;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Authoring
{
    /// <summary>One generated image in the gallery, with the settings that reproduce it and the stage timings.</summary>
    public sealed class GalleryEntry
    {
        internal GalleryEntry(int id, GenerationResult result, DateTime createdAt)
        {
            Id = id;
            Result = result;
            CreatedAt = createdAt;
        }

        internal GenerationResult Result { get; }

        /// <summary>Increasing number, unique within the gallery (for selection in a UI).</summary>
        public int Id { get; }

        /// <summary>The image (owned by the gallery; disposed when the entry is dropped).</summary>
        public Image<Rgb24> Image => Result.Image;

        /// <summary>Every resolved value (seed, size, scheduler): feeding it back reproduces the image.</summary>
        public GenerationRequest Settings => Result.Settings;

        /// <summary>The seed the image was made with.</summary>
        public long Seed => Result.Seed;

        /// <summary>Wall time of each stage that ran.</summary>
        public IReadOnlyDictionary<GenerationStage, TimeSpan> Timings => Result.Timings;

        /// <summary>Notes from the pipeline (e.g. which face of several was used).</summary>
        public IReadOnlyList<string> Notes => Result.Notes;

        /// <summary>When the image was added (local time; used in the saved file name).</summary>
        public DateTime CreatedAt { get; }

        /// <summary>Where <see cref="GenerationGallery.SaveToAssets"/> last saved it, or null.</summary>
        public string? SavedPath { get; internal set; }

        /// <summary>The settings as A1111's "parameters" text (prompt, negative, then key: value pairs).</summary>
        public string SettingsText => GenerationMetadata.Parameters(Settings);

        /// <summary>Stage timings as one line, e.g. "FaceAnalysis 0.21 s, Denoising 12.40 s; total 12.61 s".</summary>
        public string TimingsText
        {
            get
            {
                if (Timings.Count == 0) return "no timings";
                string S(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
                var total = Timings.Values.Aggregate(TimeSpan.Zero, (a, b) => a + b);
                return string.Join(", ", Timings.OrderBy(p => p.Key).Select(p => p.Key + " " + S(p.Value))) + "; total " + S(total);
            }
        }
    }

    /// <summary>
    /// The generator window's recent results, newest last, at most <see cref="Capacity"/> (the oldest is dropped
    /// and its image released). Saves an entry into the Unity project as a PNG with its settings in text chunks
    /// (<see cref="GenerationMetadata.SavePng"/>) under a unique name, atomically and never over an existing file.
    /// Not thread-safe: use it from the UI thread.
    /// </summary>
    public sealed class GenerationGallery : IDisposable
    {
        /// <summary>Default number of entries kept.</summary>
        public const int DefaultCapacity = 24;

        readonly List<GalleryEntry> _entries = new List<GalleryEntry>();
        int _nextId = 1;
        int _capacity;

        /// <summary>Creates an empty gallery keeping at most <paramref name="capacity"/> entries.</summary>
        public GenerationGallery(int capacity = DefaultCapacity) => Capacity = capacity;

        /// <summary>Most entries kept (≥ 1); lowering it drops the oldest at once.</summary>
        public int Capacity
        {
            get => _capacity;
            set
            {
                if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "The gallery must keep at least one image.");
                _capacity = value;
                Trim();
            }
        }

        /// <summary>The entries, oldest first.</summary>
        public IReadOnlyList<GalleryEntry> Entries => _entries;

        /// <summary>Number of entries.</summary>
        public int Count => _entries.Count;

        /// <summary>Adds a result, taking ownership of its image; drops the oldest when full.</summary>
        public GalleryEntry Add(GenerationResult result) => Add(result, DateTime.Now);

        /// <summary>Adds a result created at <paramref name="createdAt"/> (local time), taking ownership of its image.</summary>
        public GalleryEntry Add(GenerationResult result, DateTime createdAt)
        {
            if (result == null) throw new ArgumentNullException(nameof(result));
            var entry = new GalleryEntry(_nextId++, result, createdAt);
            _entries.Add(entry);
            Trim();
            return entry;
        }

        /// <summary>Removes an entry and releases its image.</summary>
        public bool Remove(GalleryEntry entry)
        {
            if (entry == null || !_entries.Remove(entry)) return false;
            entry.Result.Dispose();
            return true;
        }

        /// <summary>Removes every entry and releases the images.</summary>
        public void Clear()
        {
            foreach (var e in _entries) e.Result.Dispose();
            _entries.Clear();
        }

        void Trim()
        {
            while (_entries.Count > _capacity)
            {
                _entries[0].Result.Dispose();
                _entries.RemoveAt(0);
            }
        }

        /// <summary>
        /// The file name an entry gets: <c>yyyy-MM-dd_HHmmss_seed{seed}.png</c> from its creation time, with
        /// <c>_2</c>, <c>_3</c>… before the extension for <paramref name="attempt"/> 2, 3… (culture-independent).
        /// </summary>
        public static string FileNameFor(DateTime createdAt, long seed, int attempt = 1)
        {
            if (attempt < 1) throw new ArgumentOutOfRangeException(nameof(attempt), attempt, "Attempts count from 1.");
            var name = createdAt.ToString("yyyy-MM-dd_HHmmss", CultureInfo.InvariantCulture) + "_seed" + seed.ToString(CultureInfo.InvariantCulture);
            return attempt == 1 ? name + ".png" : name + "_" + attempt.ToString(CultureInfo.InvariantCulture) + ".png";
        }

        /// <summary>Most name variants tried before giving up (a folder with that many same-second images is not a gallery).</summary>
        internal const int MaxNameAttempts = 1000;

        /// <summary>
        /// Saves the entry as PNG with its settings chunks into <paramref name="assetsFolder"/> (created if needed,
        /// e.g. "Assets/InstantID") and returns the path, e.g. <c>Assets/InstantID/2026-12-02_153000_seed42.png</c>.
        /// The PNG is written to a hidden temporary file first (Unity does not import it) and then renamed to the
        /// first free name; an existing file is never replaced, and a failure leaves nothing behind.
        /// </summary>
        public string SaveToAssets(GalleryEntry entry, string assetsFolder)
        {
            if (entry == null) throw new ArgumentNullException(nameof(entry));
            if (!_entries.Contains(entry)) throw new InstantIdException("This image is no longer in the gallery (it was dropped or cleared); generate it again.");
            if (string.IsNullOrWhiteSpace(assetsFolder)) throw new InstantIdException("Give a folder to save into, e.g. \"Assets/InstantID\".");
            var folder = assetsFolder.Replace('\\', '/').TrimEnd('/');
            var path = SaveUnique(entry.Image, entry.Settings, folder, attempt => FileNameFor(entry.CreatedAt, entry.Seed, attempt));
            entry.SavedPath = path;
            return path;
        }

        /// <summary>Writes a PNG to a temp file, then renames it to the first name that does not exist yet.</summary>
        internal static string SaveUnique(Image<Rgb24> image, GenerationRequest settings, string folder, Func<int, string> nameFor)
        {
            try { Directory.CreateDirectory(folder); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                throw new InstantIdException($"Could not create the folder '{folder}': {e.Message}", e);
            }
            // '.'-prefixed and '.tmp': Unity's importer skips both, so a half-done save never becomes an asset.
            var temp = Path.Combine(folder, "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                GenerationMetadata.SavePng(image, settings, temp);
                for (int attempt = 1; attempt <= MaxNameAttempts; attempt++)
                {
                    var target = folder + "/" + nameFor(attempt);
                    if (File.Exists(target)) continue;
                    try
                    {
                        File.Move(temp, target); // fails if the name appeared meanwhile: never overwrites
                        return target;
                    }
                    catch (IOException) when (File.Exists(target)) { }
                }
                throw new InstantIdException($"'{folder}' already holds {MaxNameAttempts} images with this name; choose another folder.");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new InstantIdException($"Could not save the image into '{folder}': {e.Message} Check that the folder is writable.", e);
            }
            finally
            {
                try { if (File.Exists(temp)) File.Delete(temp); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }

        /// <summary>Releases every image.</summary>
        public void Dispose() => Clear();
    }
}
