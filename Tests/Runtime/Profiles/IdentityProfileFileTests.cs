using System;
using System.IO;
using System.Linq;
using InstantIdAvatars.Profiles;
using MessagePack;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Profiles
{
    public sealed class IdentityProfileFileTests
    {
        static IdentityProfile Sample(int photos = 2)
        {
            var random = new Random(5);
            var p = new IdentityProfile { Name = "Ada", Notes = "two photos", CreatedUtc = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), Thumbnail = new byte[] { 137, 80, 78, 71 } };
            for (int i = 0; i < photos; i++)
            {
                p.Embeddings.Add(Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray());
                p.Keypoints.Add(Enumerable.Range(0, 10).Select(k => 100f + k * 3.5f + i).ToArray());
                p.Sources.Add(new ProfileSource { Label = "photo" + i + ".png", ImageWidth = 640, ImageHeight = 480, DetectionScore = 0.9f, FacesFound = 1, SimilarityToMean = 0.8f });
            }
            return p;
        }

        [Test]
        public void RoundTrip_KeepsEveryValueBitExact()
        {
            var p = Sample();
            var back = IdentityProfileFile.Deserialize(IdentityProfileFile.Serialize(p));
            Assert.That(back.Name, Is.EqualTo("Ada"));
            Assert.That(back.CreatedUtc, Is.EqualTo(p.CreatedUtc));
            Assert.That(back.Embeddings.Select(e => e.Select(BitConverter.SingleToInt32Bits)), Is.EqualTo(p.Embeddings.Select(e => e.Select(BitConverter.SingleToInt32Bits))));
            Assert.That(back.Keypoints, Is.EqualTo(p.Keypoints));
            Assert.That(back.Sources.Select(s => (s.Label, s.ImageWidth, s.ImageHeight, s.DetectionScore, s.FacesFound, s.SimilarityToMean)),
                Is.EqualTo(p.Sources.Select(s => (s.Label, s.ImageWidth, s.ImageHeight, s.DetectionScore, s.FacesFound, s.SimilarityToMean))));
            Assert.That(back.Thumbnail, Is.EqualTo(p.Thumbnail));
            Assert.That(back.Notes, Is.EqualTo("two photos"));
        }

        [Test]
        public void Serialize_IsDeterministic() =>
            Assert.That(IdentityProfileFile.Serialize(Sample()), Is.EqualTo(IdentityProfileFile.Serialize(Sample())));

        [Test]
        public void SaveLoad_ThroughAFile_LeavesNoTempFiles()
        {
            var dir = TestData.NewTempFolder();
            try
            {
                var path = Path.Combine(dir, "ada" + IdentityProfileFile.Extension);
                IdentityProfileFile.Save(Sample(), path);
                IdentityProfileFile.Save(Sample(3), path); // overwrite
                Assert.That(IdentityProfileFile.Load(path).Embeddings, Has.Count.EqualTo(3));
                Assert.That(Directory.GetFiles(dir), Is.EqualTo(new[] { path }));
            }
            finally { Directory.Delete(dir, true); }
        }

        [Test]
        public void EveryTruncation_IsRejectedWithAClearError()
        {
            var bytes = IdentityProfileFile.Serialize(Sample(1));
            for (int n = 0; n < bytes.Length; n += Math.Max(1, n / 8))
            {
                var cut = bytes.Take(n).ToArray();
                Assert.That(() => IdentityProfileFile.Deserialize(cut), Throws.InstanceOf<ProfileFormatException>(), $"cut at {n}");
            }
        }

        [Test]
        public void FlippedBit_InThePayload_FailsTheChecksum()
        {
            var bytes = IdentityProfileFile.Serialize(Sample(1));
            bytes[bytes.Length / 2] ^= 0x10;
            Assert.That(() => IdentityProfileFile.Deserialize(bytes), Throws.InstanceOf<ProfileFormatException>().With.Message.Contains("checksum"));
        }

        [Test]
        public void NewerVersion_AsksForAnUpdate()
        {
            var bytes = IdentityProfileFile.Serialize(Sample(1));
            var r = new MessagePackReader(bytes);
            r.ReadArrayHeader(); r.ReadString();
            int versionOffset = (int)r.Consumed;
            Assert.That(bytes[versionOffset], Is.EqualTo(1), "positive fixint version");
            bytes[versionOffset] = 2;
            Assert.That(() => IdentityProfileFile.Deserialize(bytes), Throws.InstanceOf<ProfileFormatException>().With.Message.Contains("newer version (format 2"));
        }

        [Test]
        public void HugeLengthPrefix_IsRejectedBeforeAllocating()
        {
            // ["instantid-profile", 1, bin32 with a 2 GiB length, …]
            var bytes = IdentityProfileFile.Serialize(Sample(1));
            var r = new MessagePackReader(bytes);
            r.ReadArrayHeader(); r.ReadString(); r.ReadInt32();
            int at = (int)r.Consumed;
            var hostile = bytes.Take(at).Concat(new byte[] { 0xc6, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3 }).ToArray();
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.That(() => IdentityProfileFile.Deserialize(hostile), Throws.InstanceOf<ProfileFormatException>());
            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20));
        }

        [Test]
        public void DeepNesting_InAnUnknownField_IsRejected()
        {
            // a valid payload map with one unknown key whose value is 100 000 nested arrays
            var nested = Enumerable.Repeat((byte)0x91, 100000).Concat(new byte[] { 0xc0 }).ToArray();
            var payload = new byte[] { 0x81, 0xa1, (byte)'x' }.Concat(nested).ToArray();
            var bytes = Envelope(payload);
            Assert.That(() => IdentityProfileFile.Deserialize(bytes), Throws.InstanceOf<ProfileFormatException>().With.Message.Contains("nests deeper"));
        }

        [Test]
        public void EmptyProfile_CannotBeSaved() =>
            Assert.That(() => IdentityProfileFile.Serialize(new IdentityProfile()), Throws.InstanceOf<ProfileFormatException>().With.Message.Contains("no face embedding"));

        [Test]
        public void MissingOrOversizedFile_IsNamed()
        {
            Assert.That(() => IdentityProfileFile.Load("/nonexistent/x.iidprofile"), Throws.InstanceOf<ProfileFormatException>().With.Message.Contains("does not exist"));
            var dir = TestData.NewTempFolder();
            try
            {
                var big = Path.Combine(dir, "big.iidprofile");
                File.WriteAllBytes(big, new byte[IdentityProfileFile.MaxFileBytes + 1]);
                Assert.That(() => IdentityProfileFile.Load(big), Throws.InstanceOf<ProfileFormatException>().With.Message.Contains("at most"));
            }
            finally { Directory.Delete(dir, true); }
        }

        [Test]
        public void RandomMutations_NeverEscapeAsAnythingButProfileFormatException()
        {
            var original = IdentityProfileFile.Serialize(Sample(2));
            var random = new Random(1234);
            for (int i = 0; i < 500; i++)
            {
                var bytes = (byte[])original.Clone();
                int edits = 1 + random.Next(4);
                for (int e = 0; e < edits; e++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                try { IdentityProfileFile.Deserialize(bytes); }
                catch (ProfileFormatException) { }
            }
            Assert.Pass("500 mutated files handled");
        }

        [Test]
        public void ToJson_ListsWhatAHumanNeeds()
        {
            var json = Newtonsoft.Json.Linq.JObject.Parse(IdentityProfileFile.ToJson(Sample()));
            Assert.That((string?)json["name"], Is.EqualTo("Ada"));
            Assert.That((int)json["photos"]!, Is.EqualTo(2));
            Assert.That(json["sources"]!.Count(), Is.EqualTo(2));
        }

        static byte[] Envelope(byte[] payload)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            var w = new MessagePackWriter(buffer);
            w.WriteArrayHeader(4);
            w.Write(IdentityProfileFile.Magic);
            w.Write(1);
            w.Write(payload);
            using (var sha = System.Security.Cryptography.SHA256.Create()) w.Write(sha.ComputeHash(payload));
            w.Flush();
            return buffer.WrittenSpan.ToArray();
        }
    }
}
