using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Pose;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace InstantIdAvatars.Authoring
{
    /// <summary>A turntable view that is not generated, and why.</summary>
    public sealed class SkippedView
    {
        internal SkippedView(TurntableView view, string reason)
        {
            View = view;
            Reason = reason;
        }

        /// <summary>The view.</summary>
        public TurntableView View { get; }

        /// <summary>Why it cannot drive a generation (the projection's messages).</summary>
        public string Reason { get; }

        /// <inheritdoc/>
        public override string ToString() => View.FileName + ": " + Reason;
    }

    /// <summary>Where a turntable batch is: view <see cref="View"/> of <see cref="ViewCount"/>, and that view's generation progress.</summary>
    public sealed class TurntableBatchProgress
    {
        internal TurntableBatchProgress(int view, int viewCount, TurntableView current, GenerationProgress? generation)
        {
            View = view;
            ViewCount = viewCount;
            Current = current;
            Generation = generation;
        }

        /// <summary>1-based number of the view being generated, among the generated (usable) views.</summary>
        public int View { get; }

        /// <summary>Number of views generated in all (skipped views not counted).</summary>
        public int ViewCount { get; }

        /// <summary>The plan's view being generated.</summary>
        public TurntableView Current { get; }

        /// <summary>The generator's progress on that view (null right before it is queued).</summary>
        public GenerationProgress? Generation { get; }

        /// <summary>Overall fraction done in 0..1.</summary>
        public float Fraction => ViewCount == 0 ? 1f : ((View - 1) + (Generation?.Fraction ?? 0f)) / ViewCount;

        /// <inheritdoc/>
        public override string ToString() => $"View {View} of {ViewCount} ({Current.FileName})" + (Generation != null ? ": " + Generation : "");
    }

    /// <summary>What a finished turntable batch wrote.</summary>
    public sealed class TurntableBatchResult
    {
        internal TurntableBatchResult(string folder, IReadOnlyList<string> images, string sheet, IReadOnlyList<SkippedView> skipped, long seed)
        {
            Folder = folder;
            ImagePaths = images;
            ContactSheetPath = sheet;
            Skipped = skipped;
            Seed = seed;
        }

        /// <summary>The output folder.</summary>
        public string Folder { get; }

        /// <summary>The generated views' PNGs, in plan order (file names from <see cref="TurntablePlan"/>).</summary>
        public IReadOnlyList<string> ImagePaths { get; }

        /// <summary>The contact sheet (one column per yaw, one row per pitch; skipped views left black).</summary>
        public string ContactSheetPath { get; }

        /// <summary>Views not generated, with the reason.</summary>
        public IReadOnlyList<SkippedView> Skipped { get; }

        /// <summary>The seed every view used.</summary>
        public long Seed { get; }
    }

    /// <summary>
    /// Generates a turntable: one request per usable view of a <see cref="TurntablePlan"/>, all with the same
    /// identity, prompt and seed (only the landmark map changes), one after another on an
    /// <see cref="InstantIdGenerator"/>; then writes each view as a PNG with its settings chunks under the plan's
    /// file name, plus a contact sheet, into a folder.
    /// </summary>
    /// <remarks>
    /// Files go to a hidden staging folder beside the output folder (Unity does not import '.'-prefixed folders)
    /// and are moved into place only when every view is done; a cancelled or failed batch deletes the staging
    /// folder, so the output folder never holds a partial turntable. Existing files are never replaced.
    /// Views whose projection is not usable (behind the camera, face turned away) are skipped and listed.
    /// </remarks>
    public sealed class TurntableBatch
    {
        /// <summary>File name of the contact sheet in the output folder.</summary>
        public const string ContactSheetFileName = "contact_sheet.png";

        /// <summary>Default longest side of one contact-sheet cell (views are shrunk to it, aspect kept).</summary>
        public const int DefaultSheetCellMaxSide = 256;

        readonly GenerationRequest _template;
        int _sheetCellMaxSide = DefaultSheetCellMaxSide;

        /// <summary>
        /// Prepares a batch. <paramref name="template"/> gives identity, prompt and settings (e.g.
        /// <see cref="GeneratorSession.BuildRequest"/>); its size and pose are replaced per view. A template without a
        /// seed gets one random seed for all views. Throws <see cref="InstantIdException"/> when the plan's size
        /// cannot be generated or no view is usable.
        /// </summary>
        public TurntableBatch(TurntablePlan plan, GenerationRequest template)
        {
            Plan = plan ?? throw new ArgumentNullException(nameof(plan));
            if (template == null) throw new ArgumentNullException(nameof(template));
            if (plan.OutputWidth % 8 != 0 || plan.OutputHeight % 8 != 0 || plan.OutputWidth < 64 || plan.OutputHeight < 64 ||
                plan.OutputWidth > 4096 || plan.OutputHeight > 4096)
                throw new InstantIdException($"The turntable's output size {plan.OutputWidth}×{plan.OutputHeight} cannot be generated: use multiples of 8 from 64 to 4096, e.g. 1024×1024.");
            _template = template.Clone();
            _template.Seed ??= new Random().Next(0, int.MaxValue);
            Seed = _template.Seed.Value;

            var usable = new List<TurntableView>();
            var skipped = new List<SkippedView>();
            foreach (var view in plan.Views)
            {
                if (view.Projection.IsUsable) usable.Add(view);
                else skipped.Add(new SkippedView(view, string.Join(" ", view.Projection.Messages)));
            }
            if (usable.Count == 0)
                throw new InstantIdException("No view of the turntable can be generated (every view has a point behind the camera or the face turned away): "
                                             + (skipped.Count > 0 ? skipped[0].Reason : "") + " Check the base camera and the sweep.");
            Views = usable;
            Skipped = skipped;
            // fail now, not after the first view, when the identity or settings are invalid
            RequestFor(usable[0]);
        }

        /// <summary>The plan.</summary>
        public TurntablePlan Plan { get; }

        /// <summary>The views that will be generated, in plan order.</summary>
        public IReadOnlyList<TurntableView> Views { get; }

        /// <summary>The views that will not be generated, with the reason.</summary>
        public IReadOnlyList<SkippedView> Skipped { get; }

        /// <summary>The seed every view uses.</summary>
        public long Seed { get; }

        /// <summary>Longest side of a contact-sheet cell in pixels (views larger than it are shrunk; never enlarged).</summary>
        public int SheetCellMaxSide
        {
            get => _sheetCellMaxSide;
            set
            {
                if (value < 8) throw new ArgumentOutOfRangeException(nameof(value), value, "Contact-sheet cells need at least 8 pixels.");
                _sheetCellMaxSide = value;
            }
        }

        /// <summary>The contact sheet's layout: one column per yaw, one row per pitch, cells of the shrunk view size.</summary>
        public ContactSheetLayout SheetLayout()
        {
            var (w, h) = CellSize();
            return new ContactSheetLayout(Plan.Columns, Plan.Rows, w, h);
        }

        (int Width, int Height) CellSize()
        {
            double scale = Math.Min(1.0, (double)_sheetCellMaxSide / Math.Max(Plan.OutputWidth, Plan.OutputHeight));
            return (Math.Max(1, (int)Math.Round(Plan.OutputWidth * scale)), Math.Max(1, (int)Math.Round(Plan.OutputHeight * scale)));
        }

        /// <summary>The request of one view: the template at the plan's size, posed by the view's keypoints.</summary>
        public GenerationRequest RequestFor(TurntableView view)
        {
            if (view == null) throw new ArgumentNullException(nameof(view));
            return PoseCaptureSession.Posed(_template, view.Projection.Keypoints, Plan.OutputWidth, Plan.OutputHeight);
        }

        /// <summary>
        /// A new folder name under <paramref name="parent"/> for a batch, e.g.
        /// <c>Assets/InstantID/turntable_2026-12-02_153000_seed42</c>, with <c>_2</c>, <c>_3</c>… when taken.
        /// </summary>
        public static string SuggestFolder(string parent, long seed, DateTime time)
        {
            if (string.IsNullOrWhiteSpace(parent)) throw new InstantIdException("Give a parent folder, e.g. \"Assets/InstantID\".");
            var root = parent.Replace('\\', '/').TrimEnd('/');
            var name = "turntable_" + time.ToString("yyyy-MM-dd_HHmmss", CultureInfo.InvariantCulture) + "_seed" + seed.ToString(CultureInfo.InvariantCulture);
            var candidate = root + "/" + name;
            for (int i = 2; Directory.Exists(candidate) || File.Exists(candidate); i++)
                candidate = root + "/" + name + "_" + i.ToString(CultureInfo.InvariantCulture);
            return candidate;
        }

        /// <summary>
        /// Generates every usable view in turn and writes the images and the contact sheet into
        /// <paramref name="outputFolder"/> (created; it may exist but must not hold any of the batch's file names).
        /// Progress is reported from worker threads. Cancelling stops within one denoising step and leaves no files.
        /// </summary>
        public async Task<TurntableBatchResult> RunAsync(InstantIdGenerator generator, string outputFolder,
            IProgress<TurntableBatchProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            if (generator == null) throw new ArgumentNullException(nameof(generator));
            if (string.IsNullOrWhiteSpace(outputFolder)) throw new InstantIdException("Give an output folder for the turntable, e.g. from TurntableBatch.SuggestFolder.");
            var folder = Path.GetFullPath(outputFolder);
            var names = Views.Select(v => v.FileName).Concat(new[] { ContactSheetFileName }).ToArray();
            if (Directory.Exists(folder))
            {
                var taken = names.Where(n => File.Exists(Path.Combine(folder, n))).ToArray();
                if (taken.Length > 0)
                    throw new InstantIdException($"'{outputFolder}' already holds {taken[0]}{(taken.Length > 1 ? $" and {taken.Length - 1} more of this turntable's files" : "")}; "
                                                 + "choose a new folder (TurntableBatch.SuggestFolder makes one) so nothing is overwritten.");
            }
            var parent = Path.GetDirectoryName(folder) ?? throw new InstantIdException($"'{outputFolder}' has no parent folder; choose a folder inside the project.");
            Directory.CreateDirectory(parent);
            var staging = Path.Combine(parent, "." + Path.GetFileName(folder) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".partial");
            Directory.CreateDirectory(staging);

            var (cellWidth, cellHeight) = CellSize();
            var thumbnails = new Image<Rgb24>?[Plan.Views.Count];
            try
            {
                for (int i = 0; i < Views.Count; i++)
                {
                    var view = Views[i];
                    progress?.Report(new TurntableBatchProgress(i + 1, Views.Count, view, null));
                    var forward = progress == null ? null : new ForwardProgress(progress, i + 1, Views.Count, view);
                    using var result = await generator.GenerateAsync(RequestFor(view), forward, cancellationToken).ConfigureAwait(false);
                    GenerationMetadata.SavePng(result.Image, result.Settings, Path.Combine(staging, view.FileName));
                    thumbnails[view.Index] = result.Image.Width <= cellWidth && result.Image.Height <= cellHeight
                        ? result.Image.Clone()
                        : result.Image.Clone(c => c.Resize(cellWidth, cellHeight));
                }
                cancellationToken.ThrowIfCancellationRequested();
                using (var sheet = ContactSheet.Compose(thumbnails, SheetLayout()))
                    ContactSheet.SavePng(sheet, Path.Combine(staging, ContactSheetFileName));
                Publish(staging, folder, names);
                progress?.Report(new TurntableBatchProgress(Views.Count, Views.Count, Views[Views.Count - 1], new GenerationProgress(GenerationStage.Done)));
            }
            catch
            {
                TryDelete(staging);
                throw;
            }
            finally
            {
                foreach (var t in thumbnails) t?.Dispose();
            }
            var shown = outputFolder.Replace('\\', '/').TrimEnd('/');
            return new TurntableBatchResult(shown, Views.Select(v => shown + "/" + v.FileName).ToArray(),
                shown + "/" + ContactSheetFileName, Skipped, Seed);
        }

        // One rename when the folder is new; otherwise file by file, never over an existing file.
        static void Publish(string staging, string folder, string[] names)
        {
            if (!Directory.Exists(folder))
            {
                Directory.Move(staging, folder);
                return;
            }
            var moved = new List<string>();
            try
            {
                foreach (var n in names)
                {
                    var target = Path.Combine(folder, n);
                    File.Move(Path.Combine(staging, n), target); // throws if the name was taken meanwhile
                    moved.Add(target);
                }
            }
            catch (IOException e)
            {
                foreach (var m in moved) { try { File.Delete(m); } catch (IOException) { } }
                throw new InstantIdException($"Could not move the turntable into '{folder}': {e.Message} Nothing was written; choose a new folder.", e);
            }
            TryDelete(staging);
        }

        static void TryDelete(string folder)
        {
            try { if (Directory.Exists(folder)) Directory.Delete(folder, true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        sealed class ForwardProgress : IProgress<GenerationProgress>
        {
            readonly IProgress<TurntableBatchProgress> _target;
            readonly int _view, _count;
            readonly TurntableView _current;

            public ForwardProgress(IProgress<TurntableBatchProgress> target, int view, int count, TurntableView current)
            {
                _target = target; _view = view; _count = count; _current = current;
            }

            public void Report(GenerationProgress value) => _target.Report(new TurntableBatchProgress(_view, _count, _current, value));
        }
    }
}
