// Checks the repository checkout next to the .NET build; Unity compiles it out.
#if !UNITY_5_3_OR_NEWER
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Newtonsoft.Json.Linq;

namespace InstantIdAvatars.Tests.Packaging
{
    /// <summary>
    /// The samples as Unity imports them: Package Manager copies the contents of each Samples~/&lt;Name&gt;/ into
    /// Assets/, so every file and folder inside needs a .meta with the path-derived GUID (as unity_meta.py writes it),
    /// and every sample listed in package.json has an assembly definition and a README.
    /// </summary>
    public sealed class SamplesLayoutTests
    {
        static string Root => TestData.PackageRoot;
        static string Rel(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');
        static readonly string[] IgnoredNames = { "bin", "obj", "out", "TestResults", "__pycache__" };
        static bool Hidden(string name) => name.StartsWith(".") || name.EndsWith("~") || IgnoredNames.Contains(name);

        static IEnumerable<string> SampleFolders() =>
            Directory.GetDirectories(Path.Combine(Root, "Samples~")).Where(d => !Hidden(Path.GetFileName(d)));

        static IEnumerable<string> Inside(string folder) =>
            Directory.GetFileSystemEntries(folder).Where(e => !Hidden(Path.GetFileName(e)) && !e.EndsWith(".meta") && !e.EndsWith(".user"))
                .SelectMany(e => Directory.Exists(e) ? Inside(e).Prepend(e) : new[] { e });

        static string Guid(string rel)
        {
            using var md5 = MD5.Create();
            return string.Concat(md5.ComputeHash(Encoding.UTF8.GetBytes("instantid-avatars:" + rel)).Select(b => b.ToString("x2")));
        }

        [Test]
        public void EveryFileAndFolderInsideASample_HasAMetaWithItsPathGuid()
        {
            var problems = new List<string>();
            foreach (var entry in SampleFolders().SelectMany(Inside))
            {
                var meta = entry + ".meta";
                if (!File.Exists(meta)) { problems.Add("missing " + Rel(meta)); continue; }
                var text = File.ReadAllText(meta);
                var guid = Regex.Match(text, @"^guid: ([0-9a-f]{32})$", RegexOptions.Multiline).Groups[1].Value;
                if (guid != Guid(Rel(entry))) problems.Add($"{Rel(meta)}: guid {guid} is not md5(\"instantid-avatars:{Rel(entry)}\")");
                if (Directory.Exists(entry) != text.Contains("folderAsset: yes")) problems.Add($"{Rel(meta)}: folderAsset does not match");
            }
            Assert.That(problems, Is.Empty, "run: python3 Tools~/meta/unity_meta.py fix");
        }

        [Test]
        public void EveryListedUnitySample_HasAReadmeAndAnAsmdef_AndEditorCodeIsInAnEditorAssembly()
        {
            var manifest = JObject.Parse(File.ReadAllText(Path.Combine(Root, "package.json")));
            var paths = ((JArray)manifest["samples"]!).Select(s => (string)s["path"]!).ToList();
            Assert.That(paths, Is.SupersetOf(new[] { "Samples~/WebcamPortrait", "Samples~/NpcArt", "Samples~/PoseRigViews", "Samples~/Cli" }));
            foreach (var path in paths)
            {
                var folder = Path.Combine(Root, path);
                Assert.That(File.Exists(Path.Combine(folder, "README.md")), Is.True, path + "/README.md");
                Assert.That(Directory.GetFiles(folder, "*.asmdef"), Has.Length.EqualTo(1), path + " has one asmdef at its root");
                foreach (var editor in Directory.GetDirectories(folder, "Editor", SearchOption.AllDirectories))
                {
                    var asmdef = Directory.GetFiles(editor, "*.asmdef").Single();
                    var platforms = JObject.Parse(File.ReadAllText(asmdef))["includePlatforms"]!.Select(p => (string)p!).ToList();
                    Assert.That(platforms, Is.EqualTo(new[] { "Editor" }), Rel(asmdef) + " is editor-only");
                }
            }
        }

        [Test]
        public void CliSample_IsNeverCompiledByUnity()
        {
            var asmdef = JObject.Parse(File.ReadAllText(Directory.GetFiles(Path.Combine(Root, "Samples~", "Cli"), "*.asmdef").Single()));
            Assert.That(asmdef["defineConstraints"]!.Select(d => (string)d!), Is.Not.Empty, "a define constraint nobody sets keeps Unity from compiling the .NET tool");
            Assert.That((bool?)asmdef["autoReferenced"], Is.False);
        }
    }
}
#endif
