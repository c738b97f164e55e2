"""Training and using the networks: the network, its training (the plain Keras way and all runs at once), its files.

Modules, from the network up:

  backend          TensorFlow and Keras, imported once and quietly
  network          TrainConfig, the one forward pass, Glorot start, the network as Keras layers
  scaler           Scaler: standardization with statistics of the training rows only
  ensemble         predict_tesla (the one prediction), Ensemble (networks x rows) and Network (one network)
  network_files    save_network / load_network / read_weights, and where each run's weights live
  runs             RunResult, run_seed, early_stopping_carves (the one carve recipe, within a run's row mask)
  keras_reference  train_sequential: one Keras model.fit after another (the reference)
  random_streams   hash-based random numbers: each run's dropout masks from its seed alone
  adam             Adam for every run of a group (Keras' rule, TensorFlow's fused kernel)
  early_stopping   Keras' EarlyStopping for every run of a group
  batching         each run's shuffled mini-batches of an epoch
  group            RunGroup: the state of the runs trained together, and how runs are grouped
  epoch            one epoch of a group as one TensorFlow graph call
  vectorized       train_vectorized: the driver that trains every run at once
  fitting          fit_networks: scale, carve, train (with an optional runs x rows mask of training rows)
  repeated         repeated_training: train and score n runs, save each as it finishes
  resume           the bookkeeping of a resumable training (finished runs, fingerprint, stale files)
  saved_models     load_saved_models: the one validated loader of an output folder's models

The package imports nothing itself (import the module you need, e.g. ``from helpers.modeling import repeated``), so
that low-level modules (intervals, domain) can use ``runs`` without importing the trainer.
"""
