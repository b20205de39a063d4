using InstantIdAvatars.Unity;
using UnityEditor;
using UnityEngine;
using UnityEngine.EventSystems;
using UnityEngine.UI;

namespace InstantIdAvatars.Samples.WebcamPortrait.Editor
{
    /// <summary>Builds the sample's UI in the open scene and wires it to a <see cref="WebcamPortraitController"/>.</summary>
    static class WebcamPortraitSceneSetup
    {
        [MenuItem("Tools/InstantID/Samples/Set Up Webcam Portrait Scene")]
        static void SetUp()
        {
            var resources = new DefaultControls.Resources();
            var canvasObject = new GameObject("Webcam Portrait UI", typeof(Canvas), typeof(CanvasScaler), typeof(GraphicRaycaster));
            Undo.RegisterCreatedObjectUndo(canvasObject, "Set up Webcam Portrait scene");
            canvasObject.GetComponent<Canvas>().renderMode = RenderMode.ScreenSpaceOverlay;
            var scaler = canvasObject.GetComponent<CanvasScaler>();
            scaler.uiScaleMode = CanvasScaler.ScaleMode.ScaleWithScreenSize;
            scaler.referenceResolution = new Vector2(1280, 720);
            var root = canvasObject;

            // left half: camera / photo; right half: portrait; bottom strip: controls
            var preview = Place(DefaultControls.CreateRawImage(resources), root, "Preview", 0.02f, 0.25f, 0.49f, 0.98f).GetComponent<RawImage>();
            var portrait = Place(DefaultControls.CreateRawImage(resources), root, "Portrait", 0.51f, 0.25f, 0.98f, 0.98f).GetComponent<RawImage>();
            var status = Place(DefaultControls.CreateText(resources), root, "Status", 0.02f, 0.17f, 0.98f, 0.23f).GetComponent<UnityEngine.UI.Text>();
            status.fontSize = 22;
            status.alignment = TextAnchor.MiddleCenter;
            var progress = Place(DefaultControls.CreateSlider(resources), root, "Progress", 0.02f, 0.12f, 0.98f, 0.15f).GetComponent<Slider>();
            progress.interactable = false;
            var style = Place(DefaultControls.CreateDropdown(resources), root, "Style", 0.02f, 0.02f, 0.18f, 0.09f).GetComponent<Dropdown>();
            var prompt = Place(DefaultControls.CreateInputField(resources), root, "Prompt", 0.20f, 0.02f, 0.46f, 0.09f).GetComponent<InputField>();
            var capture = AddButton(resources, root, "Capture", 0.48f, 0.60f);
            var retake = AddButton(resources, root, "Retake", 0.61f, 0.73f);
            var generate = AddButton(resources, root, "Generate", 0.74f, 0.86f);
            var save = AddButton(resources, root, "Save", 0.87f, 0.98f);

            if (Object.FindObjectOfType<EventSystem>() == null)
                Undo.RegisterCreatedObjectUndo(new GameObject("EventSystem", typeof(EventSystem), typeof(StandaloneInputModule)), "Set up Webcam Portrait scene");

            var controller = canvasObject.AddComponent<WebcamPortraitController>();
            var serialized = new SerializedObject(controller);
            void Set(string field, Object value) => serialized.FindProperty(field).objectReferenceValue = value;
            Set("_preview", preview);
            Set("_portrait", portrait);
            Set("_status", status);
            Set("_style", style);
            Set("_prompt", prompt);
            Set("_progress", progress);
            Set("_captureButton", capture);
            Set("_retakeButton", retake);
            Set("_generateButton", generate);
            Set("_saveButton", save);
            var settings = AssetDatabase.FindAssets("t:" + nameof(InstantIdSettings));
            if (settings.Length > 0) Set("_settings", AssetDatabase.LoadAssetAtPath<InstantIdSettings>(AssetDatabase.GUIDToAssetPath(settings[0])));
            serialized.ApplyModifiedProperties();
            Selection.activeGameObject = canvasObject;
            if (settings.Length == 0)
                Debug.LogWarning("Webcam Portrait: no InstantID Settings asset found. Create one (Create → InstantID Avatars → Settings), " +
                                 "point it at your model set and assign it to the Webcam Portrait component.");
        }

        static Button AddButton(DefaultControls.Resources resources, GameObject root, string label, float xMin, float xMax)
        {
            var button = Place(DefaultControls.CreateButton(resources), root, label, xMin, 0.02f, xMax, 0.09f);
            button.GetComponentInChildren<UnityEngine.UI.Text>().text = label;
            return button.GetComponent<Button>();
        }

        static GameObject Place(GameObject element, GameObject parent, string name, float xMin, float yMin, float xMax, float yMax)
        {
            element.name = name;
            GameObjectUtility.SetParentAndAlign(element, parent);
            var rect = element.GetComponent<RectTransform>();
            rect.anchorMin = new Vector2(xMin, yMin);
            rect.anchorMax = new Vector2(xMax, yMax);
            rect.offsetMin = new Vector2(0f, 0f);
            rect.offsetMax = new Vector2(0f, 0f);
            return element;
        }
    }
}
