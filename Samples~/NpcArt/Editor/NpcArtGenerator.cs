using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Pipeline;
using UnityEditor;
using UnityEngine;

namespace InstantIdAvatars.Samples.NpcArt.Editor
{
    /// <summary>The NPC-art menu items: import a CSV into an <see cref="NpcList"/>, and batch-generate a list's images.</summary>
    static class NpcArtGenerator
    {
        const string Title = "InstantID NPC Art";

        /// <summary>Holds the newest report from the worker thread; the editor loop reads it between waits.</summary>
        sealed class LatestProgress : IProgress<GenerationProgress>
        {
            GenerationProgress? _latest;
            public GenerationProgress? Latest => Volatile.Read(ref _latest);
            public void Report(GenerationProgress value) => Volatile.Write(ref _latest, value);
        }

        /// <summary>Where an imported CSV becomes a new list asset.</summary>
        const string ListFolder = "Assets/InstantID";

        static string ProjectFolder => Path.GetDirectoryName(Application.dataPath)!;

        [MenuItem("Tools/InstantID/Generate NPC Art")]
        static void GenerateMenu()
        {
            var list = SelectedOrOnlyList();
            if (list != null) Generate(list);
        }

        [MenuItem("Tools/InstantID/Import NPC CSV…")]
        static void ImportMenu()
        {
            ImportInto(Selection.activeObject as NpcList);
        }

        /// <summary>Asks for a CSV file and imports it into <paramref name="list"/> (a new asset when null).</summary>
        public static void ImportInto(NpcList? list)
        {
            var path = EditorUtility.OpenFilePanel("NPC list (name,prompt,photo,seed,preset)", ProjectFolder, "csv");
            if (!string.IsNullOrEmpty(path)) Import(path, list);
        }

        /// <summary>Reads a CSV into <paramref name="list"/>, or into a new list asset in Assets/InstantID when null.</summary>
        public static void Import(string csvPath, NpcList? list)
        {
            IReadOnlyList<NpcEntry> entries;
            try
            {
                entries = NpcBatch.ParseCsv(File.ReadAllText(csvPath));
            }
            catch (Exception e) when (e is InstantIdException || e is IOException || e is UnauthorizedAccessException)
            {
                EditorUtility.DisplayDialog(Title, $"Could not import {Path.GetFileName(csvPath)}:\n{e.Message}", "OK");
                return;
            }
            if (list == null)
            {
                list = ScriptableObject.CreateInstance<NpcList>();
                Directory.CreateDirectory(Path.Combine(ProjectFolder, ListFolder));
                AssetDatabase.Refresh(); // CreateAsset needs the folder imported
                var assetPath = AssetDatabase.GenerateUniqueAssetPath($"{ListFolder}/{Path.GetFileNameWithoutExtension(csvPath)}.asset");
                AssetDatabase.CreateAsset(list, assetPath);
            }
            Undo.RecordObject(list, "Import NPC CSV");
            list.ReplaceWith(entries);
            EditorUtility.SetDirty(list);
            AssetDatabase.SaveAssets();
            Selection.activeObject = list;
            Debug.Log($"{Title}: imported {entries.Count} NPCs from {csvPath} into {AssetDatabase.GetAssetPath(list)}.");
        }

        /// <summary>
        /// Generates every entry of <paramref name="list"/> into its output folder as &lt;name&gt;.png (settings embedded),
        /// with a cancellable progress bar. The editor waits while the generator's worker thread runs; a failing entry
        /// is reported and skipped, the others continue.
        /// </summary>
        public static void Generate(NpcList list)
        {
            if (list.Settings == null)
            {
                EditorUtility.DisplayDialog(Title, $"{list.name} has no InstantID Settings asset: assign one (it names the model set).", "OK");
                return;
            }
            IReadOnlyList<NpcEntry> entries = list.ToBatch();
            if (entries.Count == 0)
            {
                EditorUtility.DisplayDialog(Title, $"{list.name} has no entries: add some, or import a CSV (Tools → InstantID → Import NPC CSV…).", "OK");
                return;
            }
            var outputFolder = Path.Combine(ProjectFolder, list.OutputFolder);
            var settings = list.Settings;
            var failures = new List<string>();
            var files = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            int written = 0;
            bool cancelled = false;
            using var cancellation = new CancellationTokenSource();
            try
            {
                var generator = settings.Generator;
                Directory.CreateDirectory(outputFolder);
                for (int i = 0; i < entries.Count && !cancelled; i++)
                {
                    var entry = entries[i];
                    try
                    {
                        var file = Path.Combine(outputFolder, NpcBatch.FileNameFor(entry.Name, entry.Line));
                        // a hand-edited list can repeat a name (the CSV import refuses that): never overwrite this batch's own image
                        if (!files.Add(file)) throw new NpcBatchException(entry.Line, $"'{entry.Name}' has the same file name as an earlier entry; rename one.");
                        var request = NpcBatch.CreateRequest(entry, ProjectFolder, settings.ApplyDefaults);
                        var progress = new LatestProgress();
                        var task = generator.GenerateAsync(request, progress, cancellation.Token);
                        while (!task.IsCompleted)
                        {
                            var fraction = progress.Latest?.Fraction ?? 0f;
                            var info = $"{entry.Name} ({i + 1}/{entries.Count}): {progress.Latest?.ToString() ?? "queued"}";
                            if (EditorUtility.DisplayCancelableProgressBar(Title, info, (i + fraction) / entries.Count))
                            {
                                cancellation.Cancel();
                                cancelled = true;
                            }
                            // a wait handle, not Task.Wait: that would throw a wrapped exception mid-loop
                            ((IAsyncResult)task).AsyncWaitHandle.WaitOne(100);
                        }
                        if (task.IsCanceled)
                        {
                            cancelled = true;
                            break;
                        }
                        using var result = task.GetAwaiter().GetResult();
                        GenerationMetadata.SavePng(result.Image, result.Settings, file);
                        written++;
                    }
                    catch (OperationCanceledException) { cancelled = true; }
                    catch (Exception e) when (!(e is OutOfMemoryException))
                    {
                        failures.Add($"{entry.Name}: {e.Message}");
                        Debug.LogException(e, list);
                    }
                }
            }
            catch (InstantIdException e)
            {
                // the generator could not start (model set missing or invalid)
                failures.Add(e.Message);
            }
            finally
            {
                EditorUtility.ClearProgressBar();
                AssetDatabase.Refresh();
            }
            var summary = $"Wrote {written} of {entries.Count} images to {list.OutputFolder}." + (cancelled ? " Cancelled." : "");
            if (failures.Count > 0) summary += "\n\nFailed:\n" + string.Join("\n", failures.Take(12)) + (failures.Count > 12 ? $"\n… and {failures.Count - 12} more (see the Console)" : "");
            Debug.Log($"{Title}: {summary}");
            EditorUtility.DisplayDialog(Title, summary, "OK");
        }

        static NpcList? SelectedOrOnlyList()
        {
            if (Selection.activeObject is NpcList selected) return selected;
            var guids = AssetDatabase.FindAssets("t:" + nameof(NpcList));
            if (guids.Length == 1) return AssetDatabase.LoadAssetAtPath<NpcList>(AssetDatabase.GUIDToAssetPath(guids[0]));
            EditorUtility.DisplayDialog(Title, guids.Length == 0
                ? "There is no NPC List asset: create one (Create → InstantID Avatars → Samples → NPC List) or import a CSV (Tools → InstantID → Import NPC CSV…)."
                : "There are several NPC List assets: select the one to generate in the Project window.", "OK");
            return null;
        }
    }

    /// <summary>NPC List inspector: the entries, plus buttons for the two menu actions.</summary>
    [CustomEditor(typeof(NpcList))]
    sealed class NpcListEditor : UnityEditor.Editor
    {
        public override void OnInspectorGUI()
        {
            DrawDefaultInspector();
            var list = (NpcList)target;
            GUILayout.BeginHorizontal();
            // run after this GUI pass: file panels, dialogs and progress bars inside a layout pass break the layout
            if (GUILayout.Button("Import CSV…")) EditorApplication.delayCall += () => NpcArtGenerator.ImportInto(list);
            if (GUILayout.Button("Generate NPC Art")) EditorApplication.delayCall += () => NpcArtGenerator.Generate(list);
            GUILayout.EndHorizontal();
        }
    }
}
