// Checks the repository checkout next to the .NET build (.artifacts, NuGet restore); Unity compiles it out.
#if !UNITY_5_3_OR_NEWER
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using NUnit.Framework;
using Newtonsoft.Json.Linq;

namespace InstantIdAvatars.Tests.Packaging
{
    /// <summary>
    /// What Unity checks when it imports the package, checked without Unity: the manifest, .meta files and GUIDs,
    /// assembly definitions and their references, and that Unity-only code stays where Unity expects it.
    /// </summary>
    public sealed class PackageLayoutTests
    {
        static string Root => TestData.PackageRoot;

        static string Rel(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

        // Mirrors .gitignore: build output and caches never get committed, so they need no .meta.
        static readonly string[] IgnoredNames = { "bin", "obj", "out", "TestResults", "BenchmarkDotNet.Artifacts", "__pycache__" };

        static bool Imported(string name) => !name.StartsWith(".") && !name.EndsWith("~");

        /// <summary>Every file and folder Unity imports (hidden and ~ folders are skipped, as Unity does).</summary>
        static (List<string> Files, List<string> Folders) Assets()
        {
            var files = new List<string>();
            var folders = new List<string>();
            void Walk(string dir)
            {
                foreach (var f in Directory.GetFiles(dir))
                {
                    var name = Path.GetFileName(f);
                    if (Imported(name) && !name.EndsWith(".meta") && !name.EndsWith(".user") && !name.EndsWith(".pyc")) files.Add(f);
                }
                foreach (var d in Directory.GetDirectories(dir))
                {
                    var name = Path.GetFileName(d);
                    if (!Imported(name) || IgnoredNames.Contains(name)) continue;
                    folders.Add(d);
                    Walk(d);
                }
            }
            Walk(Root);
            return (files, folders);
        }

        static IEnumerable<string> Metas()
        {
            var (_, folders) = Assets();
            return folders.Prepend(Root).SelectMany(d => Directory.GetFiles(d, "*.meta")).Where(m => Imported(Path.GetFileName(m)));
        }

        static IEnumerable<(string Path, JObject Json)> Asmdefs() =>
            Assets().Files.Where(f => f.EndsWith(".asmdef")).Select(f => (f, JObject.Parse(File.ReadAllText(f))));

        [Test]
        public void PackageJson_HasTheFieldsUnityNeeds_AndEverySampleFolderExists()
        {
            var manifest = JObject.Parse(File.ReadAllText(Path.Combine(Root, "package.json")));
            Assert.That((string?)manifest["name"], Does.Match(@"^[a-z0-9-]+(\.[a-z0-9-]+){2,}$"), "reverse-DNS lowercase name");
            Assert.That((string?)manifest["version"], Does.Match(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$"), "semver version");
            Assert.That((string?)manifest["unity"], Does.Match(@"^\d{4}\.\d+$"), "unity is <year>.<minor>");
            Assert.That((string?)manifest["displayName"], Is.Not.Null.And.Not.Empty);
            Assert.That((string?)manifest["description"], Is.Not.Null.And.Not.Empty);
            foreach (var dependency in (manifest["dependencies"] as JObject)?.Properties() ?? Enumerable.Empty<JProperty>())
                Assert.That((string?)dependency.Value, Does.Match(@"^\d+\.\d+\.\d+"), dependency.Name);
            Assert.That(manifest["samples"], Is.InstanceOf<JArray>(), "samples is an array");
            foreach (var sample in (JArray)manifest["samples"]!)
            {
                var path = (string?)sample["path"];
                Assert.That((string?)sample["displayName"], Is.Not.Null.And.Not.Empty, "sample displayName");
                Assert.That((string?)sample["description"], Is.Not.Null.And.Not.Empty, $"sample {path} description");
                Assert.That(path, Does.StartWith("Samples~/"), "samples live in Samples~ (not imported until the user imports them)");
                Assert.That(Directory.Exists(Path.Combine(Root, path!)), Is.True, $"sample folder {path} exists");
            }
        }

        [Test]
        public void EveryImportedFileAndFolder_HasAMeta_AndEveryMetaHasItsAsset()
        {
            var (files, folders) = Assets();
            var missing = files.Concat(folders).Where(p => !File.Exists(p + ".meta")).Select(Rel).ToList();
            var orphaned = Metas().Where(m => { var a = m.Substring(0, m.Length - 5); return !File.Exists(a) && !Directory.Exists(a); })
                .Select(Rel).ToList();
            Assert.That(missing, Is.Empty, "missing .meta (run: python3 Tools~/meta/unity_meta.py fix)");
            Assert.That(orphaned, Is.Empty, ".meta without its file or folder (run: python3 Tools~/meta/unity_meta.py fix)");
        }

        [Test]
        public void EveryMeta_HasAWellFormedUniqueGuid_AndFoldersAreMarkedAsFolders()
        {
            var guids = new Dictionary<string, string>();
            var problems = new List<string>();
            foreach (var meta in Metas())
            {
                var text = File.ReadAllText(meta);
                var match = Regex.Match(text, @"^guid: ([0-9a-f]{32})\s*$", RegexOptions.Multiline);
                if (!text.StartsWith("fileFormatVersion: 2")) problems.Add($"{Rel(meta)}: no fileFormatVersion: 2 header");
                if (!match.Success) { problems.Add($"{Rel(meta)}: no 32-hex-digit guid"); continue; }
                var guid = match.Groups[1].Value;
                if (guids.TryGetValue(guid, out var other)) problems.Add($"{Rel(meta)} and {other} share guid {guid}");
                else guids[guid] = Rel(meta);
                bool isFolder = Directory.Exists(meta.Substring(0, meta.Length - 5));
                if (isFolder != text.Contains("folderAsset: yes")) problems.Add($"{Rel(meta)}: folderAsset does not match the asset");
            }
            Assert.That(guids, Is.Not.Empty);
            Assert.That(problems, Is.Empty);
        }

        // Assemblies that Unity packages the manifest depends on (or that Unity itself) provide.
        static readonly string[] UnityProvidedAssemblies = { "UnityEngine.TestRunner", "UnityEditor.TestRunner" };

        [Test]
        public void Asmdefs_HaveUniqueNames_AndEveryReferenceResolvesByName()
        {
            var asmdefs = Asmdefs().ToList();
            var names = asmdefs.Select(a => (string?)a.Json["name"]).ToList();
            Assert.That(names, Has.None.Null);
            Assert.That(names, Is.Unique);
            Assert.That(names, Is.SupersetOf(new[] { "InstantIdAvatars", "InstantIdAvatars.Unity", "InstantIdAvatars.Editor",
                "InstantIdAvatars.Tests", "InstantIdAvatars.Editor.Tests" }));
            foreach (var (path, json) in asmdefs)
                foreach (var reference in json["references"]?.Values<string>() ?? Enumerable.Empty<string>())
                {
                    Assert.That(reference, Does.Not.StartWith("GUID:"), $"{Rel(path)} references assemblies by name");
                    Assert.That(names.Contains(reference) || UnityProvidedAssemblies.Contains(reference), Is.True,
                        $"{Rel(path)} references '{reference}', which no asmdef of the package or of Unity's test framework defines");
                }
        }

        [Test]
        public void Asmdefs_FollowTheirFolderRoles()
        {
            var byName = Asmdefs().ToDictionary(a => (string)a.Json["name"]!, a => (Rel(a.Path), a.Json));
            Assert.That(byName["InstantIdAvatars"].Item1, Is.EqualTo("Runtime/InstantIdAvatars.asmdef"));
            Assert.That((bool?)byName["InstantIdAvatars"].Json["noEngineReferences"], Is.True, "the core never touches UnityEngine");
            Assert.That((bool?)byName["InstantIdAvatars.Unity"].Json["noEngineReferences"], Is.False);
            foreach (var editorOnly in new[] { "InstantIdAvatars.Editor", "InstantIdAvatars.Editor.Tests" })
                Assert.That(byName[editorOnly].Json["includePlatforms"]?.Values<string>(), Is.EqualTo(new[] { "Editor" }), editorOnly);
            foreach (var tests in new[] { "InstantIdAvatars.Tests", "InstantIdAvatars.Editor.Tests" })
            {
                var json = byName[tests].Json;
                Assert.That(json["defineConstraints"]?.Values<string>(), Does.Contain("UNITY_INCLUDE_TESTS"), tests);
                Assert.That(json["precompiledReferences"]?.Values<string>(), Does.Contain("nunit.framework.dll"), tests);
                Assert.That(json["optionalUnityReferences"]?.Values<string>(), Does.Contain("TestAssemblies"), tests);
                Assert.That((bool?)json["autoReferenced"], Is.False, $"{tests} must not be referenced by game code");
            }
        }

        /// <summary>The DLL files each restored package contributes (from the .NET projects' project.assets.json).</summary>
        static Dictionary<string, (string Package, string Version, string File)> RestoredAssemblies()
        {
            var found = new Dictionary<string, (string, string, string)>(StringComparer.OrdinalIgnoreCase);
            foreach (var project in new[] { "InstantIdAvatars", "InstantIdAvatars.Tests" })
            {
                var assets = Path.Combine(Root, ".artifacts", "obj", project, "project.assets.json");
                Assert.That(File.Exists(assets), Is.True, $"{Rel(assets)} is missing: restore the .NET projects first (dotnet restore InstantIdAvatars.sln)");
                var json = JObject.Parse(File.ReadAllText(assets));
                var packageFolder = ((JObject)json["packageFolders"]!).Properties().First().Name;
                foreach (var target in ((JObject)json["targets"]!).Properties())
                    foreach (var library in ((JObject)target.Value).Properties())
                    {
                        if ((string?)library.Value["type"] != "package") continue;
                        var idVersion = library.Name.Split('/');
                        var libraryPath = (string)json["libraries"]![library.Name]!["path"]!;
                        foreach (var runtime in (library.Value["runtime"] as JObject)?.Properties() ?? Enumerable.Empty<JProperty>())
                            if (runtime.Name.EndsWith(".dll"))
                                found[Path.GetFileName(runtime.Name)] = (idVersion[0], idVersion[1], Path.Combine(packageFolder, libraryPath, runtime.Name));
                    }
            }
            return found;
        }

        static Dictionary<string, string> PinnedVersions()
        {
            var props = XDocument.Load(Path.Combine(Root, "Tools~", "dotnet", "Directory.Packages.props"));
            var properties = props.Descendants("PropertyGroup").Elements().ToDictionary(e => e.Name.LocalName, e => e.Value);
            return props.Descendants("PackageVersion").ToDictionary(
                e => (string)e.Attribute("Include")!,
                e => Regex.Replace((string)e.Attribute("Version")!, @"\$\((\w+)\)", m => properties[m.Groups[1].Value]),
                StringComparer.OrdinalIgnoreCase);
        }

        [Test]
        public void PrecompiledReferences_AreAssembliesOfTheRestoredPinnedPackages()
        {
            var restored = RestoredAssemblies();
            var pinned = PinnedVersions();
            foreach (var (path, json) in Asmdefs())
                foreach (var dll in json["precompiledReferences"]?.Values<string>() ?? Enumerable.Empty<string>())
                {
                    Assert.That(restored.ContainsKey(dll!), Is.True, $"{Rel(path)} references {dll}, which no restored NuGet package provides");
                    var (package, version, file) = restored[dll!];
                    Assert.That(File.Exists(file), Is.True, $"{dll} ({package} {version}) is not in the NuGet cache at {file}");
                    if (pinned.TryGetValue(package, out var pinnedVersion))
                        Assert.That(version, Is.EqualTo(pinnedVersion), $"{dll}: restored {package} differs from Directory.Packages.props");
                }
        }

        static IEnumerable<string> Sources(params string[] folders) =>
            folders.Select(f => Path.Combine(Root, f)).Where(Directory.Exists)
                .SelectMany(f => Directory.GetFiles(f, "*.cs", SearchOption.AllDirectories))
                .Where(f => !Rel(f).Split('/').Any(p => IgnoredNames.Contains(p)));

        /// <summary>C# source without comments and string literals (so names inside messages do not count).</summary>
        static string Code(string source) =>
            Regex.Replace(source, @"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|""(?:[^""\\\n]|\\.)*""|'(?:[^'\\\n]|\\.)*'", "", RegexOptions.Singleline);

        [Test]
        public void EditorApi_IsUsedOnlyUnderEditorFolders()
        {
            var misplaced = Sources("Runtime", "Editor", "Tests", "Samples~")
                .Where(f => Regex.IsMatch(Code(File.ReadAllText(f)), @"\bUnityEditor\b"))
                .Select(Rel)
                .Where(r => !r.Split('/').Contains("Editor"))
                .ToList();
            Assert.That(misplaced, Is.Empty, "UnityEditor code outside an Editor folder breaks player builds");
        }

        [Test]
        public void UnityEngine_IsUsedOnlyByTheUnityGlueEditorAndSamples()
        {
            string[] allowed = { "Runtime/Unity/", "Editor/", "Tests/Editor/", "Samples~/" };
            var misplaced = Sources("Runtime", "Editor", "Tests", "Samples~")
                .Where(f => Regex.IsMatch(Code(File.ReadAllText(f)), @"^\s*using\s+(static\s+)?UnityEngine\b", RegexOptions.Multiline))
                .Select(Rel)
                .Where(r => !allowed.Any(r.StartsWith))
                .ToList();
            Assert.That(misplaced, Is.Empty, "the engine-agnostic core (noEngineReferences) cannot use UnityEngine");
        }

        [Test]
        public void NoBuildOutput_InsideImportedFolders()
        {
            var found = new[] { "Runtime", "Editor", "Tests" }.Select(f => Path.Combine(Root, f)).Where(Directory.Exists)
                .SelectMany(f => Directory.GetDirectories(f, "*", SearchOption.AllDirectories))
                .Where(d => Path.GetFileName(d) == "bin" || Path.GetFileName(d) == "obj")
                .Select(Rel).ToList();
            Assert.That(found, Is.Empty, "Unity would import build output; builds go to .artifacts/");
        }

        [Test]
        public void UnityStubs_AreLabelledAndHaveNoBehaviour()
        {
            var stubs = Directory.GetFiles(Path.Combine(Root, "Tools~", "UnityStubs"), "*.cs", SearchOption.AllDirectories)
                .Where(f => !Rel(f).Split('/').Any(p => IgnoredNames.Contains(p))).ToList();
            Assert.That(stubs, Is.Not.Empty);
            foreach (var file in stubs)
            {
                var text = File.ReadAllText(file);
                Assert.That(text, Does.StartWith("// Compile-only stub of the Unity API: no behaviour"), Rel(file));
                Assert.That(text, Does.Not.Match(@"\breturn\b"), $"{Rel(file)}: stubs return nothing");
                foreach (Match arrow in Regex.Matches(text, @"=>\s*([^;]*);"))
                    Assert.That(arrow.Groups[1].Value.Trim(), Is.EqualTo("throw new StubException()"), $"{Rel(file)}: every member throws");
            }
        }
    }
}
#endif
