using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Threading;
using InstantIdAvatars.Profiles;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Reliability
{
    /// <summary>
    /// Profiles on disk under concurrency and interrupted writes (format, truncation and hostile-content cases are
    /// in Tests/Runtime/Profiles/IdentityProfileFileTests).
    /// </summary>
    public sealed class ProfileFileConcurrencyTests
    {
        string _dir = "";

        [SetUp] public void MakeFolder() => _dir = TestData.NewTempFolder();
        [TearDown] public void DeleteFolder() => Directory.Delete(_dir, true);

        static IdentityProfile Profile(int variant)
        {
            var random = new Random(variant);
            var p = new IdentityProfile { Name = "variant " + variant, CreatedUtc = new DateTime(2026, 12, 2, 0, 0, 0, DateTimeKind.Utc) };
            for (int i = 0; i <= variant % 3; i++)
            {
                p.Embeddings.Add(Enumerable.Range(0, IdentityProfile.EmbeddingLength).Select(_ => (float)random.NextDouble()).ToArray());
                p.Keypoints.Add(Enumerable.Range(0, 10).Select(k => (float)(k * 10 + variant)).ToArray());
            }
            return p;
        }

        [TestCase(true)]
        [TestCase(false)]
        public void ConcurrentSaveAndLoad_FromFourThreads_NeverTearsTheFile(bool fileExistsAtStart)
        {
            var path = Path.Combine(_dir, "shared" + IdentityProfileFile.Extension);
            if (fileExistsAtStart) IdentityProfileFile.Save(Profile(0), path);
            var names = Enumerable.Range(0, 8).Select(v => "variant " + v).ToArray();
            var unexpected = new ConcurrentBag<string>();
            int loads = 0, formatErrors = 0, saves = 0;
            using var start = new ManualResetEventSlim(false);
            var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                var random = new Random(40 + t);
                start.Wait();
                for (int i = 0; i < 60; i++)
                {
                    try
                    {
                        if (random.Next(2) == 0)
                        {
                            IdentityProfileFile.Save(Profile(random.Next(8)), path);
                            Interlocked.Increment(ref saves);
                        }
                        else
                        {
                            var p = IdentityProfileFile.Load(path);
                            if (!names.Contains(p.Name)) unexpected.Add("loaded a profile named " + p.Name);
                            Interlocked.Increment(ref loads);
                        }
                    }
                    catch (ProfileFormatException e) when (!fileExistsAtStart && e.Message.Contains("does not exist"))
                    {
                        Interlocked.Increment(ref formatErrors); // read before the first save landed
                    }
                    catch (Exception e)
                    {
                        unexpected.Add(e.GetType().Name + ": " + e.Message);
                    }
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            start.Set();
            threads.ForEach(t => Assert.That(t.Join(60000), Is.True));
            TestContext.WriteLine($"{saves} saves, {loads} loads, {formatErrors} loads before the file existed");
            Assert.That(unexpected, Is.Empty);
            Assert.That(saves, Is.GreaterThan(0));
            Assert.That(names, Does.Contain(IdentityProfileFile.Load(path).Name), "the final file is one whole profile");
            Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }), "no temp files left");
        }

        [Test]
        public void SaveInterruptedInsideTheWrite_KeepsThePreviousFile_AndLeavesNoTempFile()
        {
            var path = Path.Combine(_dir, "ada" + IdentityProfileFile.Extension);
            IdentityProfileFile.Save(Profile(1), path);
            var before = File.ReadAllBytes(path);
            var replacement = IdentityProfileFile.Serialize(Profile(2));
            Assert.That(() => AtomicFile.Write(path, s =>
            {
                s.Write(replacement, 0, replacement.Length / 2);
                throw new IOException("simulated: the disk was unplugged mid-write");
            }), Throws.TypeOf<IOException>().With.Message.Contains("unplugged"));
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(before), "the previous profile is intact");
            Assert.That(IdentityProfileFile.Load(path).Name, Is.EqualTo("variant 1"));
            Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }), "the temp file was removed");
        }

        [Test]
        public void SaveInterruptedBeforeTheFirstVersion_LeavesNoFileAtAll()
        {
            var path = Path.Combine(_dir, "new" + IdentityProfileFile.Extension);
            Assert.That(() => AtomicFile.Write(path, s => throw new OperationCanceledException()), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(Directory.GetFiles(_dir), Is.Empty);
        }

        [Test]
        public void LoadingAFileLockedByAnotherWriter_IsAProfileFormatException()
        {
            var path = Path.Combine(_dir, "locked" + IdentityProfileFile.Extension);
            IdentityProfileFile.Save(Profile(1), path);
            // .NET emulates Windows file sharing on Unix with advisory locks; on Windows this is a sharing violation.
            using var writer = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            Assert.That(() => IdentityProfileFile.Load(path), Throws.TypeOf<ProfileFormatException>().With.Message.Contains("cannot be read"));
        }

        [Test]
        public void LoadingADirectory_IsAProfileFormatException()
        {
            Assert.That(() => IdentityProfileFile.Load(_dir), Throws.TypeOf<ProfileFormatException>().With.Message.Contains("does not exist"));
        }
    }
}
