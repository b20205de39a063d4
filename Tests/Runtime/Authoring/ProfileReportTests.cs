using System;
using System.IO;
using System.Linq;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Profiles;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Authoring
{
    /// <summary>The identity-profile inspector's numbers, against values worked out by hand.</summary>
    public sealed class ProfileReportTests
    {
        static float[] Embedding(float x, float y)
        {
            var e = new float[IdentityProfile.EmbeddingLength];
            e[0] = x;
            e[1] = y;
            return e;
        }

        // a = (1,0), b = (1,1), c = (−1,0), d = (3,4) in the first two of 512 dimensions
        static IdentityProfile FourPhotos() => new IdentityProfile
        {
            Name = "Ada",
            Embeddings = { Embedding(1, 0), Embedding(1, 1), Embedding(-1, 0), Embedding(3, 4) },
            Sources =
            {
                new ProfileSource { Label = "a.jpg", ImageWidth = 640, ImageHeight = 480, DetectionScore = 0.9f, FacesFound = 1 },
                new ProfileSource { Label = "b.jpg", ImageWidth = 800, ImageHeight = 600, DetectionScore = 0.8f, FacesFound = 2 },
                new ProfileSource { Label = "", DetectionScore = 0.7f, FacesFound = 1 },
            },
            Thumbnail = new byte[] { 0x89, 0x50, 0x4E, 0x47 },
        };

        [Test]
        public void SimilarityMatrix_IsPairwiseCosine()
        {
            var report = ProfileReport.From(FourPhotos());
            double r2 = Math.Sqrt(2);
            // cos = dot/(|a||b|): a·b = 1, |b| = √2; a·d = 3, |d| = 5; b·d = 7; a·c = −1
            var expected = new double[,]
            {
                { 1, 1 / r2, -1, 3.0 / 5 },
                { 1 / r2, 1, -1 / r2, 7 / (5 * r2) },
                { -1, -1 / r2, 1, -3.0 / 5 },
                { 3.0 / 5, 7 / (5 * r2), -3.0 / 5, 1 },
            };
            Assert.That(report.Count, Is.EqualTo(4));
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    Assert.That(report.Similarity(i, j), Is.EqualTo(expected[i, j]).Within(1e-6), $"[{i},{j}]");
            var copy = report.SimilarityMatrix();
            Assert.That(copy[1, 3], Is.EqualTo(report.Similarity(1, 3)));
            copy[1, 3] = 0;
            Assert.That(report.Similarity(1, 3), Is.EqualTo(7 / (5 * r2)).Within(1e-6), "the matrix is a copy");
        }

        [Test]
        public void SimilarityToMean_FlagsTheOppositePhoto()
        {
            var report = ProfileReport.From(FourPhotos());
            // mean of the unit vectors ∝ (1 + 1/√2 + 0.6 − 1, 1/√2 + 0.8) = (1/√2 + 0.6, 1/√2 + 0.8)
            double mx = 1 / Math.Sqrt(2) + 0.6, my = 1 / Math.Sqrt(2) + 0.8, m = Math.Sqrt(mx * mx + my * my);
            var expected = new[] { mx / m, (mx + my) / Math.Sqrt(2) / m, -mx / m, (0.6 * mx + 0.8 * my) / m };
            Assert.That(report.Photos.Select(p => (double)p.SimilarityToMean), Is.EqualTo(expected).Within(1e-5));
            Assert.That(report.Outliers, Is.EqualTo(new[] { 2 }), "c points the other way: −0.655 < 0.5");
            Assert.That(report.Photos[0].IsOutlier, Is.False, "0.655 is above the threshold");
            Assert.That(report.Messages.Count(x => x.Severity == MessageSeverity.Warning), Is.EqualTo(1));
            Assert.That(report.Messages.First(x => x.Severity == MessageSeverity.Warning).Text, Does.Contain("'photo 3'").And.Contain("-0.66"));
        }

        [Test]
        public void Rows_CarrySourceInfo_WithFallbacks()
        {
            var report = ProfileReport.From(FourPhotos());
            var rows = report.Photos;
            Assert.That(rows.Select(r => r.Label), Is.EqualTo(new[] { "a.jpg", "b.jpg", "photo 3", "photo 4" }));
            Assert.That(rows.Select(r => r.SizeText), Is.EqualTo(new[] { "640×480", "800×600", "?", "?" }));
            Assert.That(rows[1].DetectionScore, Is.EqualTo(0.8f));
            Assert.That(rows.Select(r => r.EmbeddingNorm), Is.EqualTo(new[] { 1f, (float)Math.Sqrt(2), 1f, 5f }).Within(1e-6f));
            Assert.That(report.Thumbnail, Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }));
            Assert.That(report.Messages.Any(x => x.Severity == MessageSeverity.Info && x.Text.Contains("had 2 faces")), Is.True);
        }

        [Test]
        public void Thumbnail_DecodesToAnImage_OrSaysItIsDamaged()
        {
            var profile = new IdentityProfile { Embeddings = { Embedding(1, 2) } };
            using (var image = new Image<Rgb24>(6, 4, new Rgb24(10, 20, 30)))
            using (var png = new MemoryStream())
            {
                image.SaveAsPng(png);
                profile.Thumbnail = png.ToArray();
            }
            using (var thumb = ProfileReport.From(profile).LoadThumbnail()!)
            {
                Assert.That((thumb.Width, thumb.Height, thumb[5, 3]), Is.EqualTo((6, 4, new Rgb24(10, 20, 30))));
            }
            profile.Thumbnail = new byte[] { 1, 2, 3, 4 };
            Assert.Throws<InstantIdException>(() => ProfileReport.From(profile).LoadThumbnail());
            profile.Thumbnail = Array.Empty<byte>();
            Assert.That(ProfileReport.From(profile).LoadThumbnail(), Is.Null);
        }

        [Test]
        public void SinglePhoto_IsNeverAnOutlier()
        {
            var report = ProfileReport.From(new IdentityProfile { Embeddings = { Embedding(-2, 5) } });
            Assert.That(report.Similarity(0, 0), Is.EqualTo(1f).Within(1e-6f));
            Assert.That(report.Photos.Single().SimilarityToMean, Is.EqualTo(1f).Within(1e-6f));
            Assert.That(report.Outliers, Is.Empty);
            Assert.That(report.Messages.Single().Text, Does.Contain("no thumbnail"));
        }

        [Test]
        public void Load_ReadsAProfileFile_AndRejectsAnInvalidProfile()
        {
            var folder = TestData.NewTempFolder();
            try
            {
                var path = Path.Combine(folder, "ada" + IdentityProfileFile.Extension);
                IdentityProfileFile.Save(FourPhotos(), path);
                var report = ProfileReport.Load(path);
                Assert.That((report.Name, report.Count), Is.EqualTo(("Ada", 4)));
                Assert.That(report.Similarity(1, 3), Is.EqualTo(7 / (5 * Math.Sqrt(2))).Within(1e-6));
            }
            finally { Directory.Delete(folder, true); }
            Assert.Throws<ProfileFormatException>(() => ProfileReport.From(new IdentityProfile()));
        }
    }
}
