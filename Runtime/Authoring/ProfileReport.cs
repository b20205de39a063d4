using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Profiles;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Authoring
{
    /// <summary>One photo of a profile as the inspector lists it.</summary>
    public sealed class ProfilePhotoRow
    {
        internal ProfilePhotoRow(int index, string label, int width, int height, float score, int faces, float similarity, float norm, bool outlier)
        {
            Index = index;
            Label = label;
            Width = width;
            Height = height;
            DetectionScore = score;
            FacesFound = faces;
            SimilarityToMean = similarity;
            EmbeddingNorm = norm;
            IsOutlier = outlier;
        }

        /// <summary>Position in the profile (0-based; the matrix's row and column).</summary>
        public int Index { get; }

        /// <summary>The source label, or "photo N" when the profile has none.</summary>
        public string Label { get; }

        /// <summary>Source image width in pixels (0 when unknown).</summary>
        public int Width { get; }

        /// <summary>Source image height in pixels (0 when unknown).</summary>
        public int Height { get; }

        /// <summary>"640×480", or "?" when unknown.</summary>
        public string SizeText => Width > 0 && Height > 0 ? Width.ToString(CultureInfo.InvariantCulture) + "×" + Height.ToString(CultureInfo.InvariantCulture) : "?";

        /// <summary>Face detector confidence.</summary>
        public float DetectionScore { get; }

        /// <summary>Faces found in the photo (the largest was used).</summary>
        public int FacesFound { get; }

        /// <summary>Cosine similarity of this photo's embedding to the mean identity, recomputed from the embeddings.</summary>
        public float SimilarityToMean { get; }

        /// <summary>L2 norm of the raw embedding (what InstantID feeds its Resampler, unnormalised).</summary>
        public float EmbeddingNorm { get; }

        /// <summary>Similarity to the mean below <see cref="ProfileReport.OutlierThreshold"/>: probably another person or a bad detection.</summary>
        public bool IsOutlier { get; }
    }

    /// <summary>
    /// What the identity-profile inspector shows: the thumbnail, one row per photo, the pairwise cosine similarity
    /// of the photos' embeddings, and which photos are outliers.
    /// </summary>
    /// <remarks>
    /// Similarity to the mean is computed as <see cref="IdentityEmbedding.SimilarityToMean"/> does when a profile
    /// is made (cosine to the mean of the L2-normalised embeddings), from the embeddings themselves, so an edited
    /// or old profile is judged on its data. Photos of one person with ArcFace (glintr100) usually score 0.6–0.9
    /// against their mean; below <see cref="OutlierThreshold"/> (0.5) a photo is flagged, as it most likely shows
    /// someone else or a badly detected face and pulls the averaged identity away from the person.
    /// </remarks>
    public sealed class ProfileReport
    {
        /// <summary>Similarity to the mean below which a photo is flagged as an outlier.</summary>
        public const float OutlierThreshold = 0.5f;

        readonly float[,] _similarity;

        ProfileReport(IdentityProfile profile, IReadOnlyList<ProfilePhotoRow> photos, float[,] similarity, IReadOnlyList<FieldMessage> messages)
        {
            Name = profile.Name;
            CreatedUtc = profile.CreatedUtc;
            Notes = profile.Notes;
            Thumbnail = profile.Thumbnail;
            Photos = photos;
            _similarity = similarity;
            Messages = messages;
        }

        /// <summary>The profile's name.</summary>
        public string Name { get; }

        /// <summary>When the profile was made (UTC).</summary>
        public DateTime CreatedUtc { get; }

        /// <summary>The profile's notes.</summary>
        public string Notes { get; }

        /// <summary>PNG bytes of the face thumbnail (empty when the profile has none).</summary>
        public byte[] Thumbnail { get; }

        /// <summary>One row per photo (embedding).</summary>
        public IReadOnlyList<ProfilePhotoRow> Photos { get; }

        /// <summary>Number of photos; the similarity matrix is Count × Count.</summary>
        public int Count => Photos.Count;

        /// <summary>Cosine similarity dot(a,b)/(|a||b|) of the embeddings of photos <paramref name="i"/> and <paramref name="j"/> (0 if one is all zeros).</summary>
        public float Similarity(int i, int j) => _similarity[i, j];

        /// <summary>A copy of the whole similarity matrix.</summary>
        public float[,] SimilarityMatrix() => (float[,])_similarity.Clone();

        /// <summary>Indices of the outlier photos.</summary>
        public IReadOnlyList<int> Outliers => Photos.Where(p => p.IsOutlier).Select(p => p.Index).ToArray();

        /// <summary>Messages for the inspector (outliers, missing thumbnail, several faces in a photo).</summary>
        public IReadOnlyList<FieldMessage> Messages { get; }

        /// <summary>
        /// The thumbnail decoded (for a texture), or null when the profile has none. Throws
        /// <see cref="InstantIdException"/> when the bytes are not an image.
        /// </summary>
        public Image<Rgb24>? LoadThumbnail()
        {
            if (Thumbnail.Length == 0) return null;
            try { return Image.Load<Rgb24>(Thumbnail); }
            catch (Exception e) when (e is UnknownImageFormatException || e is InvalidImageContentException || e is NotSupportedException)
            {
                throw new InstantIdException("The profile's thumbnail is not a readable image (" + e.Message + "); create the profile again to remake it.", e);
            }
        }

        /// <summary>Loads a profile file and reports on it; throws <see cref="ProfileFormatException"/> for a bad file.</summary>
        public static ProfileReport Load(string path) => From(IdentityProfileFile.Load(path));

        /// <summary>Reports on a profile; throws <see cref="ProfileFormatException"/> when it is invalid.</summary>
        public static ProfileReport From(IdentityProfile profile)
        {
            if (profile == null) throw new ArgumentNullException(nameof(profile));
            profile.Validate();
            var embeddings = profile.Embeddings;
            int n = embeddings.Count;

            var matrix = new float[n, n];
            for (int i = 0; i < n; i++)
                for (int j = i; j < n; j++)
                    matrix[i, j] = matrix[j, i] = Cosine(embeddings[i], embeddings[j]);

            var toMean = IdentityEmbedding.SimilarityToMean(embeddings);
            var rows = new List<ProfilePhotoRow>(n);
            var messages = new List<FieldMessage>();
            for (int i = 0; i < n; i++)
            {
                var source = i < profile.Sources.Count ? profile.Sources[i] : null;
                var label = string.IsNullOrWhiteSpace(source?.Label) ? "photo " + (i + 1).ToString(CultureInfo.InvariantCulture) : source!.Label;
                bool outlier = n > 1 && toMean[i] < OutlierThreshold;
                rows.Add(new ProfilePhotoRow(i, label, source?.ImageWidth ?? 0, source?.ImageHeight ?? 0, source?.DetectionScore ?? 0f,
                    source?.FacesFound ?? 0, toMean[i], Norm(embeddings[i]), outlier));
                if (outlier)
                    messages.Add(new FieldMessage("Photos", MessageSeverity.Warning,
                        $"'{label}' is unlike the other photos (similarity to the mean {toMean[i].ToString("0.00", CultureInfo.InvariantCulture)} < {OutlierThreshold.ToString("0.0", CultureInfo.InvariantCulture)}): "
                        + "it may show someone else or a badly detected face. Remake the profile without it."));
                if (source != null && source.FacesFound > 1)
                    messages.Add(new FieldMessage("Photos", MessageSeverity.Info,
                        $"'{label}' had {source.FacesFound} faces; the largest was used."));
            }
            if (profile.Thumbnail.Length == 0)
                messages.Add(new FieldMessage("Thumbnail", MessageSeverity.Info, "The profile has no thumbnail."));
            return new ProfileReport(profile, rows, matrix, messages);
        }

        /// <summary>dot(a,b)/(|a||b|) in double precision; 0 when either vector is all zeros.</summary>
        internal static float Cosine(float[] a, float[] b)
        {
            double dot = 0, na = 0, nb = 0;
            for (int k = 0; k < a.Length; k++)
            {
                dot += (double)a[k] * b[k];
                na += (double)a[k] * a[k];
                nb += (double)b[k] * b[k];
            }
            return na == 0 || nb == 0 ? 0f : (float)(dot / Math.Sqrt(na * nb));
        }

        static float Norm(float[] a)
        {
            double s = 0;
            foreach (var v in a) s += (double)v * v;
            return (float)Math.Sqrt(s);
        }
    }
}
